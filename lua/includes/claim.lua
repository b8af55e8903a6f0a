--[[
  What the two claim scripts share: their common KEYS and ARGV, the refusals they can give,
  the grant, and the run of a claim from its replay check to its remembered answer.
  KEYS[1..11] and ARGV[1..8] are the same for both (see either script's header).
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "clock"
--- @include "reap"
--- @include "idempotency"

local function claimArgs()
  return {
    reapBatch = tonumber(ARGV[1]),
    tombstoneMs = tonumber(ARGV[2]),
    userId = ARGV[3],
    holdId = ARGV[4],
    holdTtlMs = tonumber(ARGV[5]),
    graceMs = tonumber(ARGV[6]),
    fingerprint = ARGV[7],
    idemTtlMs = tonumber(ARGV[8]),
  }
end

-- The next time a hold could free seats, so a sold-out answer can be cached until then.
local function soldOutReply(ev, now)
  local next = redis.call('ZRANGE', ev.expiry, 0, 0, 'WITHSCORES')
  local wait = -1
  if next[2] and next[1] ~= SENTINEL then wait = math.max(0, tonumber(next[2]) - now) end
  return { Code.SOLD_OUT, 0, wait }
end

local function userLimitReply(ev, meta, userId, wanted, now, tombstoneMs)
  if meta.maxPerUser <= 0 then return nil end
  local function current() return tonumber(redis.call('HGET', ev.users, userId) or '0') end
  if current() + wanted <= meta.maxPerUser then return nil end
  -- Before refusing, expire this user's own due holds that the reap batch did not reach.
  for _, holdId in ipairs(listedHeldIds(ev, userId)) do
    if isPastDeadline(ev, holdId, now) then
      expireHold(ev, holdId, decodeHold(redis.call('HGET', ev.holds, holdId)), now, tombstoneMs)
    end
  end
  if current() + wanted <= meta.maxPerUser then return nil end
  return { Code.USER_LIMIT, 0, meta.maxPerUser, current() }
end

-- How long after its grant a command can still be a resend of the same call.
local RESEND_WINDOW_MS = 60000

local function grantReply(meta, holdId, status, expiresAt, seats)
  local reply = { Code.OK, 0, holdId, status == 'S' and 'sold' or 'held', expiresAt, meta.gen }
  return appendSeatPairs(reply, meta, seats)
end

-- The hold id is fresh for every call, so finding it already here means this very command
-- ran before: a client (ioredis) resent it after the connection dropped with the reply
-- unread. Answer that grant again rather than refuse it, so the caller can still write it
-- through. Anything else reusing the id is refused. sameRequest(seats) checks the seats.
local function resentGrant(ev, meta, args, sameRequest)
  local raw = redis.call('HGET', ev.holds, args.holdId)
  if not raw then return nil end
  local hold = decodeHold(raw)
  -- As the grant left it: held, or sold with no expiry (not a confirmed hold); a hold granted
  -- with this TTL moments ago (a resend follows the reconnect within seconds).
  local status = args.holdTtlMs > 0 and 'H' or 'S'
  local asGranted = hold.status == status and (status == 'H' or hold.expiresAt == 0)
  if asGranted and status == 'H' then
    local grantedAt, now = hold.expiresAt - args.holdTtlMs, nowMs()
    asGranted = grantedAt <= now and grantedAt >= now - RESEND_WINDOW_MS
  end
  if hold.userId ~= args.userId or not asGranted or not sameRequest(hold.seats) then
    return { Code.INVALID_ARGUMENT, 'holdId' }
  end
  return grantReply(meta, args.holdId, status, hold.expiresAt, hold.seats)
end

local function grant(ev, meta, args, seats, now)
  local status, expiresAt = 'S', 0
  if args.holdTtlMs > 0 then
    status, expiresAt = 'H', now + args.holdTtlMs
    redis.call('ZADD', ev.expiry, expiresAt + args.graceMs, args.holdId)
  end
  takeSeats(ev, meta, args.holdId, status, expiresAt, seats, args.userId)
  return grantReply(meta, args.holdId, status, expiresAt, seats)
end

--[[
  Runs a claim: the event must be loaded; a stored answer for the idempotency key is replayed;
  parseInput(meta) reads the script's own ARGV (returns the input, or nil and a refusal); a
  resent command answers its own grant (sameRequest(input, heldSeats) says whether the hold
  found matches); then decide(ev, meta, args, input, now) after the call's reap, its answer
  remembered under the key and its changes written out. Everything is checked before the
  first write.
]]
local function runClaim(parseInput, sameRequest, decide)
  local ev, args, idemKey = eventKeys(), claimArgs(), KEYS[EVENT_KEY_COUNT + 1]
  local meta = readMeta(ev)
  if not meta then return { Code.NOT_LOADED } end
  local replay = replayIdempotent(idemKey, args.fingerprint, args.holdId)
  if replay then return replay end
  local input, failure = parseInput(meta)
  if input == nil then return failure end
  local resent = resentGrant(ev, meta, args, function(held) return sameRequest(input, held) end)
  if resent then return resent end
  local now = nowMs()
  reapDue(ev, now, args.reapBatch, args.tombstoneMs)
  return finish(ev, rememberReply(idemKey, args.fingerprint, args.idemTtlMs, decide(ev, meta, args, input, now)))
end
