--[[
  Gives back a background job's lease on an event, only if the caller still holds it (a lease
  that ran out may belong to another process by now).

  Input:
    KEYS[1] lease   the lease key
    ARGV[1] token   what the holder set it to

  Output:
    {OK, released}   released: 1 when it was the caller's and is gone, else 0
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return { Code.OK, 1 }
end
return { Code.OK, 0 }
