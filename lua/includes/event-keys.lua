--[[
  The keys of one event, in the order every event script receives them as KEYS[1..10].
  A loader's staging copy uses the same order under its own names.
]]
local EVENT_KEY_COUNT = 10

local function eventKeys(offset)
  local base = offset or 0
  return {
    meta = KEYS[base + 1],     -- hash: rows, cols, capacity, available, gen, version, maxPerUser, ...
    seats = KEYS[base + 2],    -- string, one byte a seat: '.' free, 'H' held, 'S' sold
    holds = KEYS[base + 3],    -- hash: holdId -> hold record
    expiry = KEYS[base + 4],   -- zset: held holdId -> reap deadline; tombstone -> forget time
    owners = KEYS[base + 5],   -- hash: seat index -> holdId
    users = KEYS[base + 6],    -- hash: userId -> seats held or bought
    runs = KEYS[base + 7],     -- string: the free-run index (free-runs.lua)
    stream = KEYS[base + 8],   -- stream: one record a seat-changing call (change-log.lua)
    waitlist = KEYS[base + 9], -- zset: waitlist entryId -> arrival order
    entries = KEYS[base + 10], -- hash: waitlist entryId -> entry record
  }
end

-- Every key but the stream holds a sentinel member from the load on, so a loaded event's keys
-- always exist: a key gone missing (evicted, deleted) shows as a missing key, never as "empty".
local SENTINEL = '\0'
