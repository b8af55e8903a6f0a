--[[
  A load builds the event under staging keys, chunk by chunk, and a commit swaps it in
  with RENAMEs inside one script: nobody ever sees a half-loaded event. The staging meta
  carries the loader's token, so two loaders never mix their chunks; staging keys expire
  if a loader dies. The change stream is never staged: the live one goes on across loads,
  and the commit appends a reset record to it.
]]
local function stagingMatches(staging, token)
  return redis.call('HGET', staging.meta, 'loadToken') == token
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
