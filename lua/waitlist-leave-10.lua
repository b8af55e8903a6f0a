--[[
  Takes a buyer's entry off the waitlist: a waiting entry leaves its place; an offered one
  declines its offer (the offer's seats go to the next waiters). Either way the entry ends 'L'.

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

    ARGV[1] reapBatch    due holds reaped before deciding, at most
    ARGV[2] tombstoneMs  how long an expired hold is remembered as expired
    ARGV[3] userId       must own the entry
    ARGV[4] entryId

  Output:
    {OK, previousStatus}     'W' or 'O'
    {ENTRY_CLOSED, status}   it had ended already: 'F' fulfilled, 'E' expired, 'L' left
    {ENTRY_NOT_FOUND}        unknown, or someone else's
    {NOT_LOADED}
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "clock"
--- @include "reap"

local ev = eventKeys()
local userId, entryId = ARGV[3], ARGV[4]
local meta = readMeta(ev)
if not meta then return { Code.NOT_LOADED } end
local entry = readEntry(ev, entryId)
if not entry or entry.userId ~= userId then return { Code.ENTRY_NOT_FOUND } end

reapDue(ev, nowMs(), tonumber(ARGV[1]), tonumber(ARGV[2]))
entry = readEntry(ev, entryId)
if entry.status ~= 'W' and entry.status ~= 'O' then return finish(ev, { Code.ENTRY_CLOSED, entry.status }) end
local previous = entry.status
if previous == 'O' then
  local hold = decodeHold(redis.call('HGET', ev.holds, entry.holdId))
  closeOffer(ev, entry.holdId, 'L')
  freeSeats(ev, entry.holdId, hold)
  redis.call('HDEL', ev.holds, entry.holdId)
  redis.call('ZREM', ev.expiry, entry.holdId)
else
  entry.status = 'L'
  writeEntry(ev, entryId, entry)
  redis.call('ZREM', ev.waitlist, entryId)
  redis.call('HDEL', ev.users, WAITER_FIELD .. userId)
  noteOffer({ kind = 'closed', entryId = entryId, holdId = '', status = 'L' })
  -- A new head may fit what the old one was gathering.
  serveWaitlist(ev)
end
return finish(ev, { Code.OK, previous })
