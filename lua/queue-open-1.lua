--[[
  Opens (or re-opens with new settings) the event's waiting room. The queue itself survives a
  re-open; a room lost with Redis opens empty.

  Input:
    KEYS[1] room   hash: rate, ttlMs, budget, lastAt, seq

    ARGV[1] rate    admissions a second, > 0
    ARGV[2] ttlMs   an admission unused this long expires

  Output:
    {OK}
    {INVALID_ARGUMENT, name}
]]
local rate, ttlMs = tonumber(ARGV[1]), tonumber(ARGV[2])
if not rate or rate <= 0 then return { Code.INVALID_ARGUMENT, 'rate' } end
if not ttlMs or ttlMs < 1 then return { Code.INVALID_ARGUMENT, 'ttlMs' } end
redis.call('HSET', KEYS[1], 'rate', ARGV[1], 'ttlMs', ARGV[2])
return { Code.OK }
