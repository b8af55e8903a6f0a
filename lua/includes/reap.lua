--[[
  Lazy expiry. Every event script reaps a bounded number of due holds before it decides,
  so an expired hold never blocks a seat even when no worker runs. An expired hold stays
  as a tombstone for tombstoneMs, so a late confirm hears "expired", not "not found".
]]
--- @include "seat-ledger"
--- @include "waitlist"

local function expireHold(ev, holdId, hold, now, tombstoneMs)
  closeOffer(ev, holdId, 'E')
  freeSeats(ev, holdId, hold)
  redis.call('HSET', ev.holds, holdId, encodeHold('X', hold.expiresAt, {}, hold.userId))
  redis.call('ZADD', ev.expiry, now + tombstoneMs, holdId)
end

-- Expires up to `limit` due holds (forgetting due tombstones on the way) and returns the
-- holds it expired as a list of { id, hold }.
local function reapDue(ev, now, limit, tombstoneMs)
  local expired = {}
  local due = redis.call('ZRANGEBYSCORE', ev.expiry, '-inf', now, 'LIMIT', 0, limit)
  for _, holdId in ipairs(due) do
    local raw = redis.call('HGET', ev.holds, holdId)
    local hold = raw and decodeHold(raw)
    if hold and hold.status == 'H' then
      expireHold(ev, holdId, hold, now, tombstoneMs)
      expired[#expired + 1] = { id = holdId, hold = hold }
    else
      redis.call('HDEL', ev.holds, holdId)
      redis.call('ZREM', ev.expiry, holdId)
    end
  end
  -- Seats pooled for the waitlist (its head's, or left when a call reached its offer bound)
  -- go on to the waiters before this call decides anything else.
  if redis.call('HEXISTS', ev.holds, POOL) == 1 then serveWaitlist(ev) end
  return expired
end

-- True when the held hold's reap deadline has passed (reaped or not yet).
local function isPastDeadline(ev, holdId, now)
  local deadline = redis.call('ZSCORE', ev.expiry, holdId)
  return deadline ~= false and tonumber(deadline) <= now
end

-- A held seat whose hold is past its deadline but beyond this call's reap batch is freed on
-- touch, so a backlog of expired holds never blocks a specific seat. True when it expired the
-- hold (the seat is free then, or offered on to the waitlist).
local function reapOwnerIfDue(ev, seat, now, tombstoneMs)
  local holdId = redis.call('HGET', ev.owners, seat)
  if not holdId or not isPastDeadline(ev, holdId, now) then return false end
  local hold = decodeHold(redis.call('HGET', ev.holds, holdId))
  if hold.status ~= 'H' then return false end
  expireHold(ev, holdId, hold, now, tombstoneMs)
  return true
end
