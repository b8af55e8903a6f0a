--[[
  Adds a bounded chunk of holds and bookings to a staged event, and brings the staged
  free-run index up to date for the rows it touched. The whole chunk is checked before
  anything is written: a seat outside the grid, a seat already taken in the snapshot, or a
  hold id seen before rejects the chunk and leaves the staging untouched.

  Input:
    KEYS[1..10] staging copies of meta, seats, holds, expiry, owners, users, runs, stream,
                waitlist, entries

    ARGV[1] token         must match the one load-begin stored
    ARGV[2] stagingTtlMs  staging keys vanish this long after the last step
    ARGV[3...] holds, each as: holdId, userId, status ('H' held | 'S' sold), expiresAt,
               reapDeadline (ignored when sold), seatCount, then seatCount row, col pairs

  Output:
    {OK, available}
    {LOAD_MISMATCH, why}       'superseded' (by another load, or the staging gone whole) or 'evicted' (in part)
    {INVALID_SEAT, row, col}
    {DUPLICATE_SEAT, row, col}   two holds in the snapshot claim one seat
    {INVALID_ARGUMENT, name}
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "staging"
--- @include "seat-ledger"

local staging = eventKeys()
local problem = stagingProblem(staging, ARGV[1])
if problem then return { Code.LOAD_MISMATCH, problem } end
local meta = readStagedMeta(staging)

local holds, seen, i = {}, {}, 3
while i <= #ARGV do
  local hold = {
    id = ARGV[i], userId = ARGV[i + 1], status = ARGV[i + 2],
    expiresAt = wholeNumber(ARGV[i + 3], 0, 1e15), deadline = wholeNumber(ARGV[i + 4], 0, 1e15),
    seats = {},
  }
  local count = wholeNumber(ARGV[i + 5], 1, meta.capacity)
  if hold.id == nil or hold.id == '' or seen['h' .. hold.id] then return { Code.INVALID_ARGUMENT, 'holdId' } end
  if hold.userId == nil or hold.userId == '' then return { Code.INVALID_ARGUMENT, 'userId' } end
  if hold.status ~= 'H' and hold.status ~= 'S' then return { Code.INVALID_ARGUMENT, 'status' } end
  if not hold.expiresAt or not hold.deadline then return { Code.INVALID_ARGUMENT, 'expiresAt' } end
  if not count or i + 5 + 2 * count > #ARGV then return { Code.INVALID_ARGUMENT, 'seatCount' } end
  if redis.call('HEXISTS', staging.holds, hold.id) == 1 then return { Code.INVALID_ARGUMENT, 'holdId' } end
  seen['h' .. hold.id] = true
  for j = i + 6, i + 4 + 2 * count, 2 do
    local seat = seatIndex(meta, ARGV[j], ARGV[j + 1])
    if seat == nil then return { Code.INVALID_SEAT, ARGV[j], ARGV[j + 1] } end
    if seen[seat] or redis.call('GETRANGE', staging.seats, seat, seat) ~= '.' then
      return { Code.DUPLICATE_SEAT, ARGV[j], ARGV[j + 1] }
    end
    seen[seat] = true
    hold.seats[#hold.seats + 1] = seat
  end
  holds[#holds + 1] = hold
  i = i + 6 + 2 * count
end

for _, hold in ipairs(holds) do
  if hold.status == 'H' then redis.call('ZADD', staging.expiry, hold.deadline, hold.id) end
  takeSeats(staging, meta, hold.id, hold.status, hold.status == 'H' and hold.expiresAt or 0, hold.seats, hold.userId)
end
refreshRuns(staging)
refreshStagingTtl(staging, tonumber(ARGV[2]))
return { Code.OK, availableSeats(staging) }
