--[[
  Adds a bounded chunk of waitlist entries to a staged event, in arrival order, after its
  holds (an offered entry's offer hold is staged already). The whole chunk is checked before
  anything is written.

  Input:
    KEYS[1..10] staging copies of meta, seats, holds, expiry, owners, users, runs, stream,
                waitlist, entries

    ARGV[1] token         must match the one load-begin stored
    ARGV[2] stagingTtlMs  staging keys vanish this long after the last step
    ARGV[3...] entries, each as: entryId, userId, status ('W' waiting | 'O' offered), quantity,
               seq, offers, skips, holdId ('' when waiting), offerExpiresAt (0 when waiting)

  Output:
    {OK}
    {LOAD_MISMATCH, why}       'superseded' (by another load, or the staging gone whole) or 'evicted' (in part)
    {INVALID_ARGUMENT, name}
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "clock"
--- @include "staging"
--- @include "reap"

local staging = eventKeys()
local problem = stagingProblem(staging, ARGV[1])
if problem then return { Code.LOAD_MISMATCH, problem } end

local entries, i = {}, 3
while i <= #ARGV do
  local id, userId, status = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local entry = {
    status = status, quantity = wholeNumber(ARGV[i + 3], 1, 1e9), seq = wholeNumber(ARGV[i + 4], 1, 1e15),
    offers = wholeNumber(ARGV[i + 5], 0, 1e9), skips = wholeNumber(ARGV[i + 6], 0, 1e9), holdId = ARGV[i + 7],
    offerExpiresAt = wholeNumber(ARGV[i + 8], 0, 1e15), userId = userId,
  }
  if id == nil or id == '' or redis.call('HEXISTS', staging.entries, id) == 1 then return { Code.INVALID_ARGUMENT, 'entryId' } end
  if userId == nil or userId == '' then return { Code.INVALID_ARGUMENT, 'userId' } end
  if status ~= 'W' and status ~= 'O' then return { Code.INVALID_ARGUMENT, 'status' } end
  if not entry.quantity or not entry.seq or not entry.offers or not entry.skips or not entry.offerExpiresAt then
    return { Code.INVALID_ARGUMENT, 'entry' }
  end
  if status == 'O' and redis.call('HEXISTS', staging.holds, entry.holdId) == 0 then return { Code.INVALID_ARGUMENT, 'holdId' } end
  entries[#entries + 1] = { id = id, entry = entry }
  i = i + 9
end

for _, item in ipairs(entries) do
  local entry = item.entry
  writeEntry(staging, item.id, entry)
  redis.call('HSET', staging.users, WAITER_FIELD .. entry.userId, item.id)
  if entry.status == 'W' then
    redis.call('ZADD', staging.waitlist, entry.seq, item.id)
  else
    redis.call('HSET', staging.entries, OFFER_FIELD .. entry.holdId, item.id)
  end
  if entry.seq > tonumber(redis.call('HGET', staging.meta, 'wlSeq')) then redis.call('HSET', staging.meta, 'wlSeq', entry.seq) end
end
refreshStagingTtl(staging, tonumber(ARGV[2]))
return { Code.OK }
