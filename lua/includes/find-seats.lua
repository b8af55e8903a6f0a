--[[
  Best-available seat choice, front rows first (row 1 is the front). In order of preference:
  1. A block of adjacent seats in one row that strands no single free seat: a free run of
     exactly the size asked for, else the left end of a run at least two seats longer (the
     rest of the run stays in one piece).
  2. An adjacent block that strands one seat (the party still sits together).
  3. When splitting is allowed: the longest free runs first, front rows first among equals,
     so the party sits in as few pieces as possible. The orphan rule does not apply here.
  Returns the chosen seat indices and whether they are adjacent, or nil.
]]
local function blockFrom(first, quantity)
  local seats = {}
  for i = 0, quantity - 1 do seats[#seats + 1] = first + i end
  return seats
end

local function rowOf(seatsKey, row, cols)
  return redis.call('GETRANGE', seatsKey, row * cols, row * cols + cols - 1)
end

-- Calls visit(rowStartIndex, firstCol, length) for every free run, row by row; stops when
-- visit returns true.
local function eachFreeRun(seatsKey, rows, cols, visit)
  for row = 0, rows - 1 do
    local line = rowOf(seatsKey, row, cols)
    local position = 1
    while true do
      local first, last = string.find(line, '%.+', position)
      if not first then break end
      if visit(row * cols, first - 1, last - first + 1) then return end
      position = last + 1
    end
  end
end

local function adjacentBlock(seatsKey, rows, cols, quantity)
  local stranding, clean, cleanRow, exact = nil, nil, nil, nil
  eachFreeRun(seatsKey, rows, cols, function(rowStart, col, length)
    if clean and rowStart ~= cleanRow then return true end
    local spare = length - quantity
    if spare == 0 then
      exact = rowStart + col
      return true
    elseif spare >= 2 and not clean then
      clean, cleanRow = rowStart + col, rowStart
    elseif spare == 1 and not stranding then
      stranding = rowStart + col
    end
    return false
  end)
  local first = exact or clean or stranding
  if first then return blockFrom(first, quantity) end
  return nil
end

local function longestRunsFirst(seatsKey, rows, cols, quantity)
  -- Every run is shorter than quantity here (a longer one would have made a block).
  local byLength = {}
  eachFreeRun(seatsKey, rows, cols, function(rowStart, col, length)
    byLength[length] = byLength[length] or {}
    table.insert(byLength[length], rowStart + col)
    return false
  end)
  local seats = {}
  for length = quantity - 1, 1, -1 do
    for _, first in ipairs(byLength[length] or {}) do
      for i = 0, math.min(length, quantity - #seats) - 1 do seats[#seats + 1] = first + i end
      if #seats == quantity then return seats end
    end
  end
  return nil
end

local function findBestSeats(seatsKey, rows, cols, quantity, allowSplit)
  local block = adjacentBlock(seatsKey, rows, cols, quantity)
  if block then return block, true end
  if allowSplit then return longestRunsFirst(seatsKey, rows, cols, quantity), false end
  return nil, false
end
