--[[
  Takes one token from a token bucket: at most `burst` at once, refilled continuously at
  `perSecond`. Time is Redis TIME, so every API process shares one clock. The key expires
  when the bucket would be full again: an idle bucket is the same as no bucket, so it goes.

  Input:
    KEYS[1] bucket     hash {tokens, at}: tokens left (fractional) at time `at` (ms)

    ARGV[1] perSecond  tokens added a second, > 0
    ARGV[2] burst      the bucket's size, >= 1

  Output:
    {allowed, remaining, msUntilFull, msUntilToken}
      allowed       1 a token was taken, 0 refused (only the refill is written)
      remaining     whole tokens left
      msUntilFull   until the bucket is full (and its key expires), > 0
      msUntilToken  until one token is there; 0 when one is there now
    an error reply when perSecond or burst is out of range (nothing written)
]]
local perSecond = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
if perSecond == nil or perSecond <= 0 or burst == nil or burst < 1 then
  return redis.error_reply('token-bucket: perSecond must be > 0 and burst >= 1')
end

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * perSecond / 1000)

local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end

-- tokens < burst here (one was taken, or fewer than one is left), so msUntilFull > 0.
local msUntilFull = math.ceil((burst - tokens) * 1000 / perSecond)
local msUntilToken = 0
if tokens < 1 then msUntilToken = math.ceil((1 - tokens) * 1000 / perSecond) end

redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], msUntilFull)
return {allowed, math.floor(tokens), msUntilFull, msUntilToken}
