--[[
  Claims specific seats for one user: every seat or none.

  Input:
    KEYS[1] meta       event hash
    KEYS[2] seats      seat states, a byte a seat
    KEYS[3] holds      holdId -> hold record
    KEYS[4] expiry     held holdId -> reap deadline
    KEYS[5] owners     seat index -> holdId
    KEYS[6] users      userId -> seats held or bought
    KEYS[7] runs       the free-run index
    KEYS[8] stream     the change stream
    KEYS[9] waitlist   waitlist entryId -> arrival order
    KEYS[10] entries   waitlist entryId -> entry record
    KEYS[11] idem      this request's idempotency record (untouched when ARGV[7] is '')

    ARGV[1] reapBatch    due holds reaped before deciding, at most
    ARGV[2] tombstoneMs  how long an expired hold is remembered as expired
    ARGV[3] userId
    ARGV[4] holdId       a fresh id for the new hold (found already: this command was resent)
    ARGV[5] holdTtlMs    0 sells at once; otherwise the seats are held this long
    ARGV[6] graceMs      reaping waits this long past expiry
    ARGV[7] fingerprint  of the request payload; '' when no idempotency key
    ARGV[8] idemTtlMs    how long the idempotency record lives
    ARGV[9...]           seats as 1-based row, col pairs

  Output:
    {OK, replayed, holdId, 'held'|'sold', expiresAt, gen, row, col, ...}
    {SEATS_TAKEN, replayed, row, col, ...}    the requested seats that are taken
    {SOLD_OUT, replayed, msUntilNextExpiry}   -1 when no hold can expire
    {USER_LIMIT, replayed, limit, current}
    {NOT_LOADED}
    {IDEMPOTENCY_MISMATCH}
    {INVALID_SEAT, row, col}    not a seat of this grid
    {DUPLICATE_SEAT, row, col}
    {INVALID_ARGUMENT, name}    'holdId': the id is taken by another request
]]
--- @include "claim"

-- The listed seats as indices, or nil and the refusal: every pair a seat of the grid, none twice.
local function parseSeats(meta)
  if #ARGV < 10 or #ARGV % 2 ~= 0 then return nil, { Code.INVALID_ARGUMENT, 'seats' } end
  local seats, seen = {}, {}
  for i = 9, #ARGV, 2 do
    local seat = seatIndex(meta, ARGV[i], ARGV[i + 1])
    if seat == nil then return nil, { Code.INVALID_SEAT, ARGV[i], ARGV[i + 1] } end
    if seen[seat] then return nil, { Code.DUPLICATE_SEAT, ARGV[i], ARGV[i + 1] } end
    seen[seat] = true
    seats[#seats + 1] = seat
  end
  return seats
end

local function sameSeats(seats, held)
  if #held ~= #seats then return false end
  local listed = {}
  for _, seat in ipairs(held) do listed[seat] = true end
  for _, seat in ipairs(seats) do
    if not listed[seat] then return false end
  end
  return true
end

return runClaim(parseSeats, sameSeats, function(ev, meta, args, seats, now)
  local function stateOf(seat)
    return redis.call('GETRANGE', ev.seats, seat, seat)
  end
  -- Only a held seat can have expired; a sold one (most refusals of a flash sale) never does.
  local function isTaken(seat)
    local state = stateOf(seat)
    if state == 'H' and reapOwnerIfDue(ev, seat, now, args.tombstoneMs) then state = stateOf(seat) end
    return state ~= '.'
  end
  local taken = {}
  for _, seat in ipairs(seats) do
    if isTaken(seat) then taken[#taken + 1] = seat end
  end
  if availableSeats(ev) == 0 then return soldOutReply(ev, now) end
  if #taken > 0 then return appendSeatPairs({ Code.SEATS_TAKEN, 0 }, meta, taken) end
  local overLimit = userLimitReply(ev, meta, args.userId, #seats, now, args.tombstoneMs)
  if overLimit then return overLimit end
  return grant(ev, meta, args, seats, now)
end)
