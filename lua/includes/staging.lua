--[[
  A load builds the event under staging keys, chunk by chunk, and a commit swaps it in
  with RENAMEs inside one script: nobody ever sees a half-loaded event. The staging meta
  carries the loader's token, so two loaders never mix their chunks; staging keys expire
  if a loader dies. The change stream is never staged: the live one goes on across loads,
  and the commit appends a reset record to it.
]]
-- Why a load step cannot go on, or nil. 'superseded': another loader's token is staged, or the
-- staging is gone whole (expired, evicted, or swapped in by the load that took it over: they
-- look alike). 'evicted': part of it vanished under memory pressure; the rest is removed, since
-- built on it would read missing seats as taken and commit a partial key set.
local function stagingProblem(staging, token)
  local staged = redis.call('HGET', staging.meta, 'loadToken')
  -- Every key but the stream, which is never staged.
  local present = redis.call('EXISTS', staging.meta, staging.seats, staging.holds, staging.expiry, staging.owners,
    staging.users, staging.runs, staging.waitlist, staging.entries)
  if staged == token and present == EVENT_KEY_COUNT - 1 then return nil end
  if (staged and staged ~= token) or present == 0 then return 'superseded' end
  for _, key in pairs(staging) do redis.call('UNLINK', key) end
  return 'evicted'
end

local function refreshStagingTtl(staging, ttlMs)
  for _, key in pairs(staging) do redis.call('PEXPIRE', key, ttlMs) end
end

-- The staged event's shape, for the ledger and the index (a staged event has no stream yet).
local function readStagedMeta(staging)
  local f = redis.call('HMGET', staging.meta, 'rows', 'cols', 'capacity', 'maxPerUser', 'streamMax')
  local meta = {
    rows = tonumber(f[1]),
    cols = tonumber(f[2]),
    capacity = tonumber(f[3]),
    maxPerUser = tonumber(f[4]),
    streamMax = tonumber(f[5]),
  }
  beginChanges(meta)
  return meta
end
