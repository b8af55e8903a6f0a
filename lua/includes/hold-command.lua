--[[
  What confirm and release share: ARGV[1..4] and the lookup of the caller's own hold,
  reaping first so an expired hold answers HOLD_EXPIRED.
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "clock"
--- @include "reap"

-- Returns the hold and the event's meta, or nil and the reply to give.
local function lookUpOwnHold(ev, holdId, userId, reapBatch, tombstoneMs)
  local meta = readMeta(ev)
  if not meta then return nil, { Code.NOT_LOADED } end
  if not ownedHold(ev.holds, holdId, userId) then return nil, { Code.HOLD_NOT_FOUND } end
  local now = nowMs()
  reapDue(ev, now, reapBatch, tombstoneMs)
  -- The reap may just have forgotten this hold's tombstone.
  local hold = ownedHold(ev.holds, holdId, userId)
  if not hold then return nil, { Code.HOLD_NOT_FOUND } end
  if hold.status == 'H' and isPastDeadline(ev, holdId, now) then
    expireHold(ev, holdId, hold, now, tombstoneMs)
    return nil, { Code.HOLD_EXPIRED }
  end
  if hold.status == 'X' then return nil, { Code.HOLD_EXPIRED } end
  return hold, meta
end
