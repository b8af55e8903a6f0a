--[[
  Starts loading an event: an empty grid under staging keys, owned by the caller's token.

  Input:
    KEYS[1..10] staging copies of meta, seats, holds, expiry, owners, users, runs, stream,
                waitlist, entries (the staging stream is never written)
    KEYS[11]    live meta (to refuse creating an event that exists)

    ARGV[1] token         the loader's own random id
    ARGV[2] mode          'create' (refuse an existing event), 'fill' (refused at the commit
                          when the event is loaded by then) or 'replace'
    ARGV[3] rows          1..ARGV[6]
    ARGV[4] cols          1..ARGV[7]
    ARGV[5] maxPerUser    0 for no limit
    ARGV[6] maxRows
    ARGV[7] maxCols
    ARGV[8] stagingTtlMs  staging keys vanish this long after the last step
    ARGV[9] streamMax     the change stream keeps about this many records
    ARGV[10] offerMs      a waitlist offer is held this long
    ARGV[11] graceMs      reaping waits this long past expiry (for offers made by the scripts)

  Output:
    {OK}
    {EVENT_EXISTS}
    {INVALID_ARGUMENT, name}
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "staging"

local staging = eventKeys()
local liveMeta = KEYS[EVENT_KEY_COUNT + 1]
local token, mode = ARGV[1], ARGV[2]

if mode ~= 'create' and mode ~= 'fill' and mode ~= 'replace' then return { Code.INVALID_ARGUMENT, 'mode' } end
local rows = wholeNumber(ARGV[3], 1, tonumber(ARGV[6]))
if rows == nil then return { Code.INVALID_ARGUMENT, 'rows' } end
local cols = wholeNumber(ARGV[4], 1, tonumber(ARGV[7]))
if cols == nil then return { Code.INVALID_ARGUMENT, 'cols' } end
local maxPerUser = wholeNumber(ARGV[5], 0, rows * cols)
if maxPerUser == nil then return { Code.INVALID_ARGUMENT, 'maxPerUser' } end
local streamMax = wholeNumber(ARGV[9], 1, 1e9)
if streamMax == nil then return { Code.INVALID_ARGUMENT, 'streamMax' } end
local offerMs = wholeNumber(ARGV[10], 1, 2 ^ 40)
if offerMs == nil then return { Code.INVALID_ARGUMENT, 'offerMs' } end
local graceMs = wholeNumber(ARGV[11], 0, 2 ^ 40)
if graceMs == nil then return { Code.INVALID_ARGUMENT, 'graceMs' } end
if token == '' then return { Code.INVALID_ARGUMENT, 'token' } end
if mode == 'create' and redis.call('EXISTS', liveMeta) == 1 then return { Code.EVENT_EXISTS } end

for _, key in pairs(staging) do redis.call('DEL', key) end
redis.call('HSET', staging.meta, 'rows', rows, 'cols', cols, 'capacity', rows * cols, 'available', rows * cols,
  'maxPerUser', maxPerUser, 'gen', 0, 'version', 0, 'streamMax', streamMax, 'offerMs', offerMs, 'graceMs', graceMs,
  'wlSeq', 0, 'loadToken', token)
redis.call('SET', staging.seats, string.rep('.', rows * cols))
redis.call('SET', staging.runs, freshIndex(rows, cols))
for _, hash in ipairs({ staging.holds, staging.owners, staging.users, staging.entries }) do
  redis.call('HSET', hash, SENTINEL, 1)
end
for _, zset in ipairs({ staging.expiry, staging.waitlist }) do
  redis.call('ZADD', zset, '+inf', SENTINEL)
end
refreshStagingTtl(staging, tonumber(ARGV[8]))
return { Code.OK }
