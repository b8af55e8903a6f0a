--[[
  Milliseconds since the epoch by the Redis server's own clock: the one clock that decides
  expiry, whatever the clients' clocks say.
]]
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
