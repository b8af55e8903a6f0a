--[[
  A hold record is "<status>:<expiresAt>:<seat,seat,...>:<userId>".
  status: 'H' held (expires), 'S' sold (permanent), 'X' expired (a tombstone, no seats).
  The userId goes last so it may contain any character.
]]
local function encodeHold(status, expiresAt, seats, userId)
  return status .. ':' .. expiresAt .. ':' .. table.concat(seats, ',') .. ':' .. userId
end

local function decodeHold(raw)
  local status, expiresAt, seatList, userId = string.match(raw, '^(%u):(%d+):([%d,]*):(.*)$')
  local seats = {}
  for seat in string.gmatch(seatList, '%d+') do
    seats[#seats + 1] = tonumber(seat)
  end
  return { status = status, expiresAt = tonumber(expiresAt), seats = seats, userId = userId }
end

-- The hold, when it exists and belongs to userId; nil otherwise (a stranger learns nothing).
local function ownedHold(holdsKey, holdId, userId)
  local raw = redis.call('HGET', holdsKey, holdId)
  if not raw then return nil end
  local hold = decodeHold(raw)
  if hold.userId ~= userId then return nil end
  return hold
end
