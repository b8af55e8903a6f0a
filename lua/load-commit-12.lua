--[[
  Swaps a fully staged event in for the live one, atomically, and bumps its generation.

  Input:
    KEYS[1..6]  staging copies of meta, seats, holds, expiry, owners, users
    KEYS[7..12] the live meta, seats, holds, expiry, owners, users

    ARGV[1] token  must match the one load-begin stored
    ARGV[2] mode   'create' (refuse an existing event) or 'replace'

  Output:
    {OK, gen}
    {LOAD_MISMATCH}
    {EVENT_EXISTS}
]]
--- @include "event-keys"
--- @include "staging"

local staging, live = eventKeys(), eventKeys(6)
if not stagingMatches(staging, ARGV[1]) then return { Code.LOAD_MISMATCH } end
if ARGV[2] == 'create' and redis.call('EXISTS', live.meta) == 1 then return { Code.EVENT_EXISTS } end

local gen = tonumber(redis.call('HGET', live.meta, 'gen') or '0') + 1
for name, liveKey in pairs(live) do
  redis.call('UNLINK', liveKey)
  if redis.call('EXISTS', staging[name]) == 1 then
    redis.call('RENAME', staging[name], liveKey)
    redis.call('PERSIST', liveKey)
  end
end
redis.call('HSET', live.meta, 'gen', gen)
redis.call('HDEL', live.meta, 'loadToken')
return { Code.OK, gen }
