--[[
  The only writers of seat state: every change to seats, owners, users and the available
  count goes through these two, so the four never disagree.
]]
--- @include "hold-record"

local function takeSeats(ev, holdId, status, expiresAt, seats, userId)
  local mark = status == 'S' and 'S' or 'H'
  for _, seat in ipairs(seats) do
    redis.call('SETRANGE', ev.seats, seat, mark)
    redis.call('HSET', ev.owners, seat, holdId)
  end
  redis.call('HSET', ev.holds, holdId, encodeHold(status, expiresAt, seats, userId))
  redis.call('HINCRBY', ev.users, userId, #seats)
  redis.call('HINCRBY', ev.meta, 'available', -#seats)
end

local function freeSeats(ev, hold)
  for _, seat in ipairs(hold.seats) do
    redis.call('SETRANGE', ev.seats, seat, '.')
    redis.call('HDEL', ev.owners, seat)
  end
  if redis.call('HINCRBY', ev.users, hold.userId, -#hold.seats) <= 0 then
    redis.call('HDEL', ev.users, hold.userId)
  end
  redis.call('HINCRBY', ev.meta, 'available', #hold.seats)
end
