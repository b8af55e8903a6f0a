--[[
  The free-run index: for every row, the set of lengths of its runs of free seats (1..126
  exactly, 127 standing for 127 or more), 128 bits; kept in a segment tree over the rows whose
  nodes are the union of their children. "The front-most row with a run of one of these
  lengths" is one walk from the root, so best-available costs O(log rows) walks plus a scan of
  the rows it takes seats from, whatever the map looks like.
  One string: node i (1 is the root; the leaves start at leafBase(rows), row r is leaf
  leafBase + r) sits at byte offset i * 16 as four little-endian 32-bit words.
]]
local RUN_CAP = 127

local function leafBase(rows)
  local base = 1
  while base < rows do base = base * 2 end
  return base
end

local function noLengths() return { 0, 0, 0, 0 } end

local function addLength(set, length)
  local b = math.min(length, RUN_CAP)
  local word = math.floor(b / 32) + 1
  set[word] = bit.bor(set[word], bit.lshift(1, b % 32))
end

-- The set of the lengths from `low` to RUN_CAP (RUN_CAP stands for every longer run too):
-- whole words at a time, not a bit at a time (a claim builds one for every request).
local function lengthsFrom(low)
  local set, first = noLengths(), math.max(low, 1)
  for word = 1, 4 do
    local base = (word - 1) * 32
    if first <= base then
      set[word] = -1
    elseif first < base + 32 then
      set[word] = bit.lshift(-1, first - base)
    end
  end
  return set
end

local function lengthsOf(...)
  local set = noLengths()
  for _, length in ipairs({ ... }) do
    if length >= 1 then addLength(set, length) end
  end
  return set
end

local function union(a, b)
  return { bit.bor(a[1], b[1]), bit.bor(a[2], b[2]), bit.bor(a[3], b[3]), bit.bor(a[4], b[4]) }
end

local function meets(set, mask)
  return bit.band(set[1], mask[1]) ~= 0 or bit.band(set[2], mask[2]) ~= 0
    or bit.band(set[3], mask[3]) ~= 0 or bit.band(set[4], mask[4]) ~= 0
end

local function packLengths(set)
  return struct.pack('<i4i4i4i4', set[1], set[2], set[3], set[4])
end

local function unpackLengths(bytes, at)
  local a, b, c, d = struct.unpack('<i4i4i4i4', bytes, at or 1)
  return { a, b, c, d }
end

local function readNode(runsKey, node)
  return unpackLengths(redis.call('GETRANGE', runsKey, node * 16, node * 16 + 15))
end

-- The free runs of one row, in order, as { first = seat index, length = n }.
local function runsOfRow(seatsKey, cols, row)
  local line = redis.call('GETRANGE', seatsKey, row * cols, row * cols + cols - 1)
  local runs, position = {}, 1
  while true do
    local first, last = string.find(line, '%.+', position)
    if not first then break end
    runs[#runs + 1] = { first = row * cols + first - 1, length = last - first + 1 }
    position = last + 1
  end
  return runs
end

-- Re-reads a row and brings its leaf and the leaf's ancestors up to date.
local function indexRow(runsKey, seatsKey, rows, cols, row)
  local set = noLengths()
  for _, run in ipairs(runsOfRow(seatsKey, cols, row)) do addLength(set, run.length) end
  local node = leafBase(rows) + row
  local packed = packLengths(set)
  while node >= 1 do
    if redis.call('GETRANGE', runsKey, node * 16, node * 16 + 15) == packed then return end
    redis.call('SETRANGE', runsKey, node * 16, packed)
    node = math.floor(node / 2)
    if node >= 1 then
      -- The two children of a node sit side by side: one read.
      local pair = redis.call('GETRANGE', runsKey, node * 32, node * 32 + 31)
      packed = packLengths(union(unpackLengths(pair, 1), unpackLengths(pair, 17)))
    end
  end
end

-- The index of a grid with every seat free: each row one run of `cols`.
local function freshIndex(rows, cols)
  local base = leafBase(rows)
  local full, empty = packLengths(lengthsOf(cols)), packLengths(noLengths())
  local nodes = { [0] = empty }
  for row = 0, base - 1 do nodes[base + row] = row < rows and full or empty end
  for node = base - 1, 1, -1 do
    nodes[node] = (nodes[2 * node] == full or nodes[2 * node + 1] == full) and full or empty
  end
  return table.concat(nodes, '', 0, 2 * base - 1)
end

-- The front-most row at or after `fromRow` whose runs meet `mask`; nil when there is none.
local function firstRowWith(runsKey, rows, mask, fromRow)
  local base = leafBase(rows)
  local function search(node, lo, hi)
    if hi < fromRow or lo >= rows then return nil end
    if not meets(readNode(runsKey, node), mask) then return nil end
    if lo == hi then return lo end
    local mid = math.floor((lo + hi) / 2)
    return search(node * 2, lo, mid) or search(node * 2 + 1, mid + 1, hi)
  end
  return search(1, 0, base - 1)
end
