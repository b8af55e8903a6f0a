--[[
  The only writers of seat state: every change to seats, owners, users and the available
  count goes through here, so the four never disagree, and every change is noted for the
  change stream and the free-run index (change-log.lua).

  When the event limits seats per user, the users hash also lists each user's held
  (still expiring) hold ids under the field "\1held:<userId>" (user ids have no control
  characters), so the limit check can expire that user's due holds: an expired hold never
  counts against anyone. Users under a limit have few holds, so the list stays short.
]]
--- @include "hold-record"

-- Gives freed seats to the waitlist first; set by waitlist.lua in the scripts that include it.
local serveWaitlist

local function heldListField(userId)
  return '\1held:' .. userId
end

local function listedHeldIds(ev, userId)
  local ids = {}
  for id in string.gmatch(redis.call('HGET', ev.users, heldListField(userId)) or '', '%S+') do
    ids[#ids + 1] = id
  end
  return ids
end

local function unlistHeld(ev, userId, holdId)
  local field = heldListField(userId)
  local list = redis.call('HGET', ev.users, field)
  local at = list and string.find(list, ' ' .. holdId .. ' ', 1, true)
  if not at then return end
  list = string.sub(list, 1, at) .. string.sub(list, at + #holdId + 2)
  if list == ' ' then redis.call('HDEL', ev.users, field) else redis.call('HSET', ev.users, field, list) end
end

local function takeSeats(ev, meta, holdId, status, expiresAt, seats, userId)
  local mark = status == 'S' and 'S' or 'H'
  for _, seat in ipairs(seats) do
    redis.call('SETRANGE', ev.seats, seat, mark)
    redis.call('HSET', ev.owners, seat, holdId)
    noteSeat(seat, mark, true)
  end
  redis.call('HSET', ev.holds, holdId, encodeHold(status, expiresAt, seats, userId))
  redis.call('HINCRBY', ev.users, userId, #seats)
  redis.call('HINCRBY', ev.meta, 'available', -#seats)
  if status == 'H' and meta.maxPerUser > 0 then
    local field = heldListField(userId)
    redis.call('HSET', ev.users, field, (redis.call('HGET', ev.users, field) or ' ') .. holdId .. ' ')
  end
end

-- A held hold's seats become sold and it stops expiring.
local function sellSeats(ev, holdId, hold)
  for _, seat in ipairs(hold.seats) do
    redis.call('SETRANGE', ev.seats, seat, 'S')
    noteSeat(seat, 'S', false)
  end
  redis.call('HSET', ev.holds, holdId, encodeHold('S', hold.expiresAt, hold.seats, hold.userId))
  redis.call('ZREM', ev.expiry, holdId)
  unlistHeld(ev, hold.userId, holdId)
end

local function freeSeats(ev, holdId, hold)
  for _, seat in ipairs(hold.seats) do
    redis.call('SETRANGE', ev.seats, seat, '.')
    redis.call('HDEL', ev.owners, seat)
    noteSeat(seat, '.', true)
  end
  if redis.call('HINCRBY', ev.users, hold.userId, -#hold.seats) <= 0 then
    redis.call('HDEL', ev.users, hold.userId)
  end
  redis.call('HINCRBY', ev.meta, 'available', #hold.seats)
  if hold.status == 'H' then unlistHeld(ev, hold.userId, holdId) end
  if serveWaitlist then serveWaitlist(ev) end
end
