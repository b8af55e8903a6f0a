--[[
  A load builds the event under staging keys, chunk by chunk, and a commit swaps it in
  with RENAMEs inside one script: nobody ever sees a half-loaded event. The staging meta
  carries the loader's token, so two loaders never mix their chunks; staging keys expire
  if a loader dies.
]]
local function stagingMatches(staging, token)
  return redis.call('HGET', staging.meta, 'loadToken') == token
end

local function refreshStagingTtl(staging, ttlMs)
  for _, key in pairs(staging) do redis.call('PEXPIRE', key, ttlMs) end
end
