--[[
  Expires due holds now, and says which. Every other event script does the same lazily;
  this one is for sweepers that want to know what was released.

  Input:
    KEYS[1] meta       event hash
    KEYS[2] seats      seat states, a byte a seat
    KEYS[3] holds      holdId -> hold record
    KEYS[4] expiry     held holdId -> reap deadline
    KEYS[5] owners     seat index -> holdId
    KEYS[6] users      userId -> seats held or bought
    KEYS[7] runs       the free-run index
    KEYS[8] stream     the change stream
    KEYS[9] waitlist   waitlist entryId -> arrival order
    KEYS[10] entries   waitlist entryId -> entry record

    ARGV[1] reapBatch    due holds handled, at most
    ARGV[2] tombstoneMs  how long an expired hold is remembered as expired

  Output:
    {OK, moreDue, holdId, userId, seatCount, row, col, ..., holdId, userId, seatCount, ...}
    {NOT_LOADED}
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "clock"
--- @include "reap"

local ev = eventKeys()
local meta = readMeta(ev)
if not meta then return { Code.NOT_LOADED } end

local now = nowMs()
local expired = reapDue(ev, now, tonumber(ARGV[1]), tonumber(ARGV[2]))
local moreDue = redis.call('ZCOUNT', ev.expiry, '-inf', now) > 0 and 1 or 0
local reply = { Code.OK, moreDue }
for _, entry in ipairs(expired) do
  reply[#reply + 1] = entry.id
  reply[#reply + 1] = entry.hold.userId
  reply[#reply + 1] = #entry.hold.seats
  appendSeatPairs(reply, meta, entry.hold.seats)
end
return finish(ev, reply)
