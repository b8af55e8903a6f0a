--[[
  Frees the seats of a hold (release) or of a confirmed booking (cancel), and forgets it; the
  seats go to the waitlist first.

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
    ARGV[3] userId       must own the hold
    ARGV[4] holdId
    ARGV[5] expected     'H' to release a hold, 'S' to cancel a booking

  Output:
    {OK, row, col, ...}
    {WRONG_STATE, status}   a booking asked to be released, or a hold to be cancelled
    {HOLD_NOT_FOUND}        unknown, or someone else's
    {HOLD_EXPIRED}
    {NOT_LOADED}
    {INVALID_ARGUMENT, name}
]]
--- @include "hold-command"

local ev = eventKeys()
local holdId, expected = ARGV[4], ARGV[5]
if expected ~= 'H' and expected ~= 'S' then return { Code.INVALID_ARGUMENT, 'expected' } end

local hold, metaOrFailure = lookUpOwnHold(ev, holdId, ARGV[3], tonumber(ARGV[1]), tonumber(ARGV[2]))
if not hold then return finish(ev, metaOrFailure) end
if hold.status ~= expected then return finish(ev, { Code.WRONG_STATE, hold.status }) end

-- A released waitlist offer is a declined one: its entry leaves the waitlist.
if expected == 'H' then closeOffer(ev, holdId, 'L') end
freeSeats(ev, holdId, hold)
redis.call('HDEL', ev.holds, holdId)
redis.call('ZREM', ev.expiry, holdId)
return finish(ev, appendSeatPairs({ Code.OK }, metaOrFailure, hold.seats))
