--[[
  Confirms a hold: its seats become sold and it stops expiring. Confirming a hold that is
  already confirmed answers OK again (a retried confirm is harmless). A confirmed waitlist
  offer fulfils its entry.

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

    ARGV[1] reapBatch    due holds reaped before deciding, at most
    ARGV[2] tombstoneMs  how long an expired hold is remembered as expired
    ARGV[3] userId       must own the hold
    ARGV[4] holdId

  Output:
    {OK, alreadyConfirmed, row, col, ...}
    {HOLD_NOT_FOUND}   unknown, or someone else's
    {HOLD_EXPIRED}
    {NOT_LOADED}
]]
--- @include "hold-command"

local ev = eventKeys()
local userId, holdId = ARGV[3], ARGV[4]

local hold, metaOrFailure = lookUpOwnHold(ev, holdId, userId, tonumber(ARGV[1]), tonumber(ARGV[2]))
if not hold then return finish(ev, metaOrFailure) end

local alreadyConfirmed = hold.status == 'S' and 1 or 0
if alreadyConfirmed == 0 then
  sellSeats(ev, holdId, hold)
  closeOffer(ev, holdId, 'F')
end
return finish(ev, appendSeatPairs({ Code.OK, alreadyConfirmed }, metaOrFailure, hold.seats))
