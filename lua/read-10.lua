--[[
  Reads the seat map: one byte a seat ('.' free, 'H' held, 'S' sold), row-major, after
  reaping a batch of due holds like every other call on the event, with the event's version
  (of its change stream) the map is at.

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

    ARGV[1] reapBatch    due holds reaped first, at most
    ARGV[2] tombstoneMs  how long an expired hold is remembered as expired
    ARGV[3] withSeats    '1' to include the seat states, '0' for the counters only

  Output:
    {OK, rows, cols, available, gen, maxPerUser, seatStates or '', version}   and the waitlist news, if any
    {NOT_LOADED}
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "clock"
--- @include "reap"

local ev = eventKeys()
local meta = readMeta(ev)
if not meta then return { Code.NOT_LOADED } end

reapDue(ev, nowMs(), tonumber(ARGV[1]), tonumber(ARGV[2]))
-- Committed before the version is read; then finish, as the reap may have expired an offer
-- and made the next one: the store of record must hear that news from a read too.
commitChanges(ev)
return finish(ev, {
  Code.OK, meta.rows, meta.cols, availableSeats(ev), meta.gen, meta.maxPerUser,
  ARGV[3] == '1' and redis.call('GET', ev.seats) or '', redis.call('HGET', ev.meta, 'version'),
})
