--[[
  The event's fixed shape and live counters, read once per call. nil when the event is not
  loaded, while a re-hydration has fenced it (meta field 'fenced', set by the client; the
  load's swap removes it), or when any of its keys is missing (evicted or deleted): a partial
  key set is never trusted, the caller re-loads the event instead.
]]
--- @include "change-log"

local function readMeta(ev)
  local f = redis.call('HMGET', ev.meta, 'rows', 'cols', 'capacity', 'gen', 'maxPerUser', 'fenced', 'streamMax', 'offerMs', 'graceMs')
  if not f[1] or f[6] then return nil end
  if redis.call('EXISTS', ev.meta, ev.seats, ev.holds, ev.expiry, ev.owners, ev.users, ev.runs, ev.stream, ev.waitlist, ev.entries) ~= EVENT_KEY_COUNT then
    return nil
  end
  local meta = {
    rows = tonumber(f[1]),
    cols = tonumber(f[2]),
    capacity = tonumber(f[3]),
    gen = tonumber(f[4]),
    maxPerUser = tonumber(f[5]),
    streamMax = tonumber(f[7]),
    offerMs = tonumber(f[8]),
    graceMs = tonumber(f[9]),
  }
  beginChanges(meta)
  return meta
end

local function availableSeats(ev)
  return tonumber(redis.call('HGET', ev.meta, 'available'))
end

-- Whole numbers only, within [low, high]; anything else is nil.
local function wholeNumber(text, low, high)
  local n = tonumber(text)
  if n == nil or n ~= math.floor(n) or n < low or n > high then return nil end
  return n
end

-- Seats cross the script boundary as 1-based (row, col) pairs and live inside as 0-based
-- row-major indices. nil when the pair is not a seat of this grid.
local function seatIndex(meta, rowText, colText)
  local row = wholeNumber(rowText, 1, meta.rows)
  local col = wholeNumber(colText, 1, meta.cols)
  if row == nil or col == nil then return nil end
  return (row - 1) * meta.cols + (col - 1)
end

local function appendSeatPairs(reply, meta, seats)
  for _, seat in ipairs(seats) do
    reply[#reply + 1] = math.floor(seat / meta.cols) + 1
    reply[#reply + 1] = seat % meta.cols + 1
  end
  return reply
end
