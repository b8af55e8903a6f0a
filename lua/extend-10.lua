--[[
  Moves a held hold's expiry to a later time the store of record decided (it keeps the cap).
  Never for an expired hold, nor for a sold one.

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

    ARGV[1] reapBatch     due holds reaped before deciding, at most
    ARGV[2] tombstoneMs   how long an expired hold is remembered as expired
    ARGV[3] userId        must own the hold
    ARGV[4] holdId
    ARGV[5] expiresAt     the new expiry, epoch ms, later than the current one
    ARGV[6] graceMs       reaping waits this long past expiry

  Output:
    {OK, expiresAt}
    {WRONG_STATE, status}   a sold hold
    {HOLD_NOT_FOUND}        unknown, or someone else's
    {HOLD_EXPIRED}
    {INVALID_ARGUMENT, name}
    {NOT_LOADED}
]]
--- @include "hold-command"

local ev = eventKeys()
local holdId = ARGV[4]
local expiresAt = wholeNumber(ARGV[5], 1, 1e15)
local graceMs = wholeNumber(ARGV[6], 0, 1e15)
if expiresAt == nil then return { Code.INVALID_ARGUMENT, 'expiresAt' } end
if graceMs == nil then return { Code.INVALID_ARGUMENT, 'graceMs' } end

local hold, metaOrFailure = lookUpOwnHold(ev, holdId, ARGV[3], tonumber(ARGV[1]), tonumber(ARGV[2]))
if not hold then return finish(ev, metaOrFailure) end
if hold.status ~= 'H' then return finish(ev, { Code.WRONG_STATE, hold.status }) end
if expiresAt > hold.expiresAt then
  redis.call('HSET', ev.holds, holdId, encodeHold('H', expiresAt, hold.seats, hold.userId))
  redis.call('ZADD', ev.expiry, expiresAt + graceMs, holdId)
end
return finish(ev, { Code.OK, math.max(expiresAt, hold.expiresAt) })
