--[[
  Claims the best available `quantity` seats for one user (see includes/find-seats.lua
  for what "best" means and the fallback when no adjacent block exists). Bounded work
  whatever the map looks like: the free-run index names the rows worth reading.

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

    ARGV[1] reapBatch    due holds reaped per round before deciding, at most
    ARGV[2] tombstoneMs  how long an expired hold is remembered as expired
    ARGV[3] userId
    ARGV[4] holdId       a fresh id for the new hold (found already: this command was resent)
    ARGV[5] holdTtlMs    0 sells at once; otherwise the seats are held this long
    ARGV[6] graceMs      reaping waits this long past expiry
    ARGV[7] fingerprint  of the request payload; '' when no idempotency key
    ARGV[8] idemTtlMs    how long the idempotency record lives
    ARGV[9] quantity     seats wanted, 1..maxQuantity
    ARGV[10] allowSplit  '1': seats in several pieces rather than none
    ARGV[11] maxQuantity largest quantity accepted

  Output:
    {OK, replayed, holdId, 'held'|'sold', expiresAt, gen, row, col, ...}
    {NOT_ENOUGH_SEATS, replayed, available}
    {NO_ADJACENT_BLOCK, replayed}             enough seats, none adjacent, split not allowed
    {SOLD_OUT, replayed, msUntilNextExpiry}   -1 when no hold can expire
    {USER_LIMIT, replayed, limit, current}
    {NOT_LOADED}
    {IDEMPOTENCY_MISMATCH}
    {INVALID_ARGUMENT, name}    'holdId': the id is taken by another request
]]
--- @include "claim"
--- @include "find-seats"

-- While the request cannot be met and expired holds are still due, reap more rounds.
local EXTRA_REAP_ROUNDS = 16

local function parseQuantity()
  local quantity = wholeNumber(ARGV[9], 1, tonumber(ARGV[11]))
  if quantity == nil then return nil, { Code.INVALID_ARGUMENT, 'quantity' } end
  return quantity
end

local function sameQuantity(quantity, held) return #held == quantity end

return runClaim(parseQuantity, sameQuantity, function(ev, meta, args, quantity, now)
  for _ = 1, EXTRA_REAP_ROUNDS do
    if availableSeats(ev) >= quantity then break end
    if #reapDue(ev, now, args.reapBatch, args.tombstoneMs) == 0 then break end
  end
  local available = availableSeats(ev)
  if available == 0 then return soldOutReply(ev, now) end
  if available < quantity then return { Code.NOT_ENOUGH_SEATS, 0, available } end
  local overLimit = userLimitReply(ev, meta, args.userId, quantity, now, args.tombstoneMs)
  if overLimit then return overLimit end
  local seats = findBestSeats(ev, meta, quantity, ARGV[10] == '1')
  if not seats then return { Code.NO_ADJACENT_BLOCK, 0 } end
  return grant(ev, meta, args, seats, now)
end)
