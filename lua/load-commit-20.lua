--[[
  Swaps a fully staged event in for the live one, atomically, bumps its generation, and
  appends a reset record to its change stream: readers of the stream start again from a
  fresh snapshot. Free seats then go to the waitlist, as they would have when freed. The version goes on from the highest the event has had, or from the clock
  (in microsecond steps) when Redis lost it, so a version never repeats.

  Input:
    KEYS[1..10]  staging copies of meta, seats, holds, expiry, owners, users, runs, stream,
                 waitlist, entries
    KEYS[11..20] the live keys, in the same order

    ARGV[1] token  must match the one load-begin stored
    ARGV[2] mode   'create' (refuse an existing event), 'fill' (refuse an event that is
                   loaded, unfenced, whole: another process loaded it since, and its copy may
                   hold grants PostgreSQL does not have yet) or 'replace'

  Output:
    {OK, gen, version}   and the waitlist news, if any
    {LOAD_MISMATCH, why}  'superseded' (by another load, or the staging gone whole) or 'evicted' (in part)
    {EVENT_EXISTS}
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "clock"
--- @include "staging"
--- @include "reap"

local staging, live = eventKeys(), eventKeys(EVENT_KEY_COUNT)
local problem = stagingProblem(staging, ARGV[1])
if problem then return { Code.LOAD_MISMATCH, problem } end
local function refuse()
  for _, key in pairs(staging) do redis.call('UNLINK', key) end
  return { Code.EVENT_EXISTS }
end
if ARGV[2] == 'create' and redis.call('EXISTS', live.meta) == 1 then return refuse() end
if ARGV[2] == 'fill' and readMeta(live) ~= nil then return refuse() end

local gen = tonumber(redis.call('HGET', live.meta, 'gen') or '0') + 1
local last = redis.call('XREVRANGE', live.stream, '+', '-', 'COUNT', 1)[1]
local version = math.max(
  tonumber(redis.call('HGET', live.meta, 'version') or '0'),
  last and tonumber(string.match(last[1], '^(%d+)')) or 0,
  nowMs() * 1000
) + 1
for name, liveKey in pairs(live) do
  if name ~= 'stream' then
    redis.call('UNLINK', liveKey)
    redis.call('RENAME', staging[name], liveKey)
    redis.call('PERSIST', liveKey)
  end
end
redis.call('UNLINK', staging.stream)
-- '%d': versions have 16 digits, more than Lua's default number format keeps.
local versionText = string.format('%d', version)
redis.call('HSET', live.meta, 'gen', gen, 'version', versionText)
redis.call('HDEL', live.meta, 'loadToken')
redis.call('XADD', live.stream, 'MAXLEN', '~', redis.call('HGET', live.meta, 'streamMax'), versionText .. '-0', 'r', gen)
-- Seats free while buyers wait (the store of record keeps no pool): the waiters get them now.
readMeta(live)
serveWaitlist(live)
return finish(live, { Code.OK, gen, versionText })
