--[[
  The six keys of one event, in the order every event script receives them as KEYS[1..6].
  A loader's staging copy uses the same order under its own names.
]]
local function eventKeys(offset)
  local base = offset or 0
  return {
    meta = KEYS[base + 1],    -- hash: rows, cols, capacity, available, gen, maxPerUser
    seats = KEYS[base + 2],   -- string, one byte a seat: '.' free, 'H' held, 'S' sold
    holds = KEYS[base + 3],   -- hash: holdId -> hold record
    expiry = KEYS[base + 4],  -- zset: held holdId -> reap deadline; tombstone -> forget time
    owners = KEYS[base + 5],  -- hash: seat index -> holdId
    users = KEYS[base + 6],   -- hash: userId -> seats held or bought
  }
end
