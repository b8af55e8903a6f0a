--[[
  What one call changed, written out once at its end (commitChanges): the seats' new states
  as one record on the event's change stream, under the event's next version, and the free-run
  index brought up to date for every row whose free runs moved. The record is written by the
  same call that changes the seats, so the stream never disagrees with the map.
  Record: field 'c' = "<state><seat>,<seat>...;<state>..." (0-based seat indices, states
  '.', 'H', 'S'), the stream entry id "<version>-0".
]]
--- @include "free-runs"

local Changes = { count = 0, seats = {}, dirtyRows = {}, cols = 1, offers = {} }

-- A reply that carries waitlist news ends with this marker and the news as JSON (the client
-- strips both before reading the reply).
local NEWS_MARK = '\0news'

-- Called by readMeta: the event this call works on.
local function beginChanges(meta)
  Changes.cols = meta.cols
  Changes.meta = meta
end

-- A seat takes a new state; `runsMoved` when it went to or from free.
local function noteSeat(seat, state, runsMoved)
  if Changes.seats[seat] == nil then Changes.count = Changes.count + 1 end
  Changes.seats[seat] = state
  if runsMoved then Changes.dirtyRows[math.floor(seat / Changes.cols)] = true end
end

-- Waitlist news of this call (offers made, offers closed), for the store of record.
local function noteOffer(news)
  Changes.offers[#Changes.offers + 1] = news
end

-- Brings the free-run index up to date with this call's changes so far.
local function refreshRuns(ev)
  local meta = Changes.meta
  for row in pairs(Changes.dirtyRows) do indexRow(ev.runs, ev.seats, meta.rows, meta.cols, row) end
  Changes.dirtyRows = {}
end

-- Writes this call's changes out, if any.
local function commitChanges(ev)
  refreshRuns(ev)
  if Changes.count == 0 then return end
  local byState = { ['.'] = {}, H = {}, S = {} }
  for seat, state in pairs(Changes.seats) do table.insert(byState[state], seat) end
  local parts = {}
  for _, state in ipairs({ '.', 'H', 'S' }) do
    local seats = byState[state]
    if #seats > 0 then
      table.sort(seats)
      parts[#parts + 1] = state .. table.concat(seats, ',')
    end
  end
  local version = redis.call('HINCRBY', ev.meta, 'version', 1)
  -- '%d': versions have 16 digits, more than Lua's default number format keeps.
  redis.call('XADD', ev.stream, 'MAXLEN', '~', Changes.meta.streamMax, string.format('%d-0', version), 'c', table.concat(parts, ';'))
  Changes.count, Changes.seats = 0, {}
end

-- Every event script returns through here once it may have written: its changes go out
-- first, and its waitlist news rides on the reply.
local function finish(ev, reply)
  commitChanges(ev)
  if #Changes.offers > 0 then
    reply[#reply + 1] = NEWS_MARK
    reply[#reply + 1] = cjson.encode(Changes.offers)
    Changes.offers = {}
  end
  return reply
end
