--[[
  Best-available seat choice, front rows first (row 1 is the front). In order of preference:
  1. A block of adjacent seats in one row that strands no single free seat: in the front-most
     row that has a free run of exactly the size asked for or one at least two longer, the
     leftmost exact run, else the left end of the leftmost longer one.
  2. An adjacent block that strands one seat: the left end of the front-most, leftmost run
     exactly one longer (the party still sits together).
  3. When splitting is allowed, as few pieces as the greedy fill makes: whole runs, longest
     first (front rows first among equals), each taken while it fits in what is left; then
     what is left from the left end of the front-most run at least two longer (it strands no
     single seat), else of one exactly one longer.
  Every step asks the free-run index (free-runs.lua) for the next row that has a run of a
  given length, and reads only the rows it takes seats from.
  Returns the chosen seat indices and whether they are adjacent, or nil.
]]
local function blockFrom(first, quantity)
  local seats = {}
  for i = 0, quantity - 1 do seats[#seats + 1] = first + i end
  return seats
end

-- The leftmost of the runs that `pick(run)` accepts (and `used` has not taken).
local function pickRun(runs, pick, used)
  for _, run in ipairs(runs) do
    if not used[run.first] and pick(run) then return run end
  end
  return nil
end

local function runInRow(ev, meta, row, pick, used)
  return pickRun(runsOfRow(ev.seats, meta.cols, row), pick, used)
end

-- The front-most row (from `fromRow`) holding a run of a length in `mask` that `pick` accepts.
local function frontRun(ev, meta, mask, pick, used)
  local row = firstRowWith(ev.runs, meta.rows, mask, 0)
  while row do
    local run = runInRow(ev, meta, row, pick, used)
    if run then return run end
    row = firstRowWith(ev.runs, meta.rows, mask, row + 1)
  end
  return nil
end

-- Steps 1 and 2 for a block of `quantity`, skipping runs in `used`.
local function adjacentBlock(ev, meta, quantity, used)
  local tidy = union(lengthsOf(quantity), lengthsFrom(quantity + 2))
  local row = firstRowWith(ev.runs, meta.rows, tidy, 0)
  while row do
    local runs = runsOfRow(ev.seats, meta.cols, row)
    local chosen = pickRun(runs, function(run) return run.length == quantity end, used)
      or pickRun(runs, function(run) return run.length >= quantity + 2 end, used)
    if chosen then return chosen end
    row = firstRowWith(ev.runs, meta.rows, tidy, row + 1)
  end
  return frontRun(ev, meta, lengthsOf(quantity + 1), function(run) return run.length == quantity + 1 end, used)
end

local function splitSeats(ev, meta, quantity)
  local seats, used, left = {}, {}, quantity
  -- The lengths present anywhere: the root of the index.
  local present = readNode(ev.runs, 1)
  for length = quantity - 1, 1, -1 do
    if length <= left and meets(present, lengthsOf(length)) then
      local mask = lengthsOf(length)
      local row = firstRowWith(ev.runs, meta.rows, mask, 0)
      while row and length <= left do
        for _, run in ipairs(runsOfRow(ev.seats, meta.cols, row)) do
          if run.length == length and length <= left then
            for i = 0, length - 1 do seats[#seats + 1] = run.first + i end
            used[run.first] = true
            left = left - length
          end
        end
        row = firstRowWith(ev.runs, meta.rows, mask, row + 1)
      end
    end
    if left == 0 then return seats end
  end
  local last = adjacentBlock(ev, meta, left, used)
  if not last then return nil end
  for i = 0, left - 1 do seats[#seats + 1] = last.first + i end
  return seats
end

local function findBestSeats(ev, meta, quantity, allowSplit)
  refreshRuns(ev)
  local block = adjacentBlock(ev, meta, quantity, {})
  if block then return blockFrom(block.first, quantity), true end
  if allowSplit then return splitSeats(ev, meta, quantity), false end
  return nil, false
end
