--[[
  The waitlist: buyers who found no seats wait in arrival order; seats freed while anyone
  waits go to the waiters first, in the same call that frees them (freeSeats calls
  serveWaitlist). A waiter gets an offer: a hold in their name, held for the event's offer
  time, that they confirm like any hold.

  The rule when the head's quantity does not fit: the first later entry (among the next
  WAITLIST_SCAN) that fits is served instead, at most WAITLIST_SKIPS times per head; after
  that, freed seats gather for the head until it fits. So no entry starves, and no seat sits
  idle while the head may still be passed over for someone it fits. Seats gathering for the
  head ("the pool") are held by the pseudo hold POOL: they show as held, nobody else can take
  them. With nobody waiting, the pool is given back.

  Entry record "<status>:<quantity>:<seq>:<offers>:<skips>:<offerExpiresAt>:<holdId>:<userId>",
  status 'W' waiting, 'O' offered, 'F' fulfilled, 'E' expired, 'L' left; the userId goes last
  so it may contain any character. Waiting entries sit in the waitlist zset by arrival (seq).
  entries[OFFER_FIELD .. holdId] = entryId links an offer hold to its entry, and
  users[WAITER_FIELD .. userId] = entryId makes an entry once per user per event.
]]
--- @include "find-seats"

local WAITLIST_SKIPS = 3
local WAITLIST_SCAN = 32
-- Offers one call makes, at most (bounds every call).
local OFFERS_PER_CALL = 16
local POOL = SENTINEL .. 'pool'
local OFFER_FIELD = '\1offer:'
local WAITER_FIELD = '\2waiter:'

local function encodeEntry(e)
  return table.concat({ e.status, e.quantity, e.seq, e.offers, e.skips, e.offerExpiresAt, e.holdId, e.userId }, ':')
end

local function decodeEntry(raw)
  local status, quantity, seq, offers, skips, expiresAt, holdId, userId =
    string.match(raw, '^(%u):(%d+):(%d+):(%d+):(%d+):(%d+):([%w_-]*):(.*)$')
  return {
    status = status, quantity = tonumber(quantity), seq = tonumber(seq), offers = tonumber(offers),
    skips = tonumber(skips), offerExpiresAt = tonumber(expiresAt), holdId = holdId, userId = userId,
  }
end

local function readEntry(ev, entryId)
  local raw = redis.call('HGET', ev.entries, entryId)
  return raw and decodeEntry(raw)
end

local function writeEntry(ev, entryId, entry)
  redis.call('HSET', ev.entries, entryId, encodeEntry(entry))
end

-- The entry whose offer this hold is, or nil.
local function offerEntryId(ev, holdId)
  return redis.call('HGET', ev.entries, OFFER_FIELD .. holdId) or nil
end

-- An offer hold leaves its entry: confirmed ('F'), expired ('E') or declined ('L').
local function closeOffer(ev, holdId, status)
  local entryId = offerEntryId(ev, holdId)
  if not entryId then return end
  local entry = readEntry(ev, entryId)
  entry.status = status
  writeEntry(ev, entryId, entry)
  redis.call('HDEL', ev.entries, OFFER_FIELD .. holdId)
  redis.call('HDEL', ev.users, WAITER_FIELD .. entry.userId)
  noteOffer({ kind = 'closed', entryId = entryId, holdId = holdId, status = status })
end

-- The pool's seats (held for the head of the waitlist).
local function poolSeats(ev)
  local raw = redis.call('HGET', ev.holds, POOL)
  return raw and decodeHold(raw).seats or {}
end

local function setPool(ev, seats)
  if #seats == 0 then redis.call('HDEL', ev.holds, POOL) else redis.call('HSET', ev.holds, POOL, encodeHold('P', 0, seats, '')) end
end

-- Every free seat of the event, front rows first (few: fewer than the head's quantity).
local function freeSeatIndices(ev, meta)
  refreshRuns(ev)
  local seats, row = {}, firstRowWith(ev.runs, meta.rows, lengthsFrom(1), 0)
  while row do
    for _, run in ipairs(runsOfRow(ev.seats, meta.cols, row)) do
      for i = 0, run.length - 1 do seats[#seats + 1] = run.first + i end
    end
    row = firstRowWith(ev.runs, meta.rows, lengthsFrom(1), row + 1)
  end
  return seats
end

-- Moves every free seat into the pool.
local function poolFreeSeats(ev, meta)
  local seats = poolSeats(ev)
  local freed = freeSeatIndices(ev, meta)
  if #freed == 0 then return end
  for _, seat in ipairs(freed) do
    redis.call('SETRANGE', ev.seats, seat, 'H')
    redis.call('HSET', ev.owners, seat, POOL)
    noteSeat(seat, 'H', true)
    seats[#seats + 1] = seat
  end
  redis.call('HINCRBY', ev.meta, 'available', -#freed)
  table.sort(seats)
  setPool(ev, seats)
end

-- Gives the pool back: its seats are free again.
local function releasePool(ev)
  local seats = poolSeats(ev)
  if #seats == 0 then return end
  for _, seat in ipairs(seats) do
    redis.call('SETRANGE', ev.seats, seat, '.')
    redis.call('HDEL', ev.owners, seat)
    noteSeat(seat, '.', true)
  end
  redis.call('HINCRBY', ev.meta, 'available', #seats)
  setPool(ev, {})
end

-- Offers `entry` its seats: from the pool first (front rows first), then the best free ones.
local function makeOffer(ev, meta, entryId, entry, now)
  local pool = poolSeats(ev)
  local fromPool = math.min(entry.quantity, #pool)
  -- The free seats first, while the pool's still read as held.
  local seats = fromPool < entry.quantity and findBestSeats(ev, meta, entry.quantity - fromPool, true) or {}
  for i = 1, fromPool do
    seats[#seats + 1] = pool[i]
    -- Back to free for a moment: takeSeats below gives it to the offer.
    redis.call('SETRANGE', ev.seats, pool[i], '.')
  end
  redis.call('HINCRBY', ev.meta, 'available', fromPool)
  setPool(ev, { unpack(pool, fromPool + 1) })
  entry.offers = entry.offers + 1
  entry.holdId = entryId .. '-' .. entry.offers
  entry.offerExpiresAt = now + meta.offerMs
  entry.status = 'O'
  redis.call('ZADD', ev.expiry, entry.offerExpiresAt + meta.graceMs, entry.holdId)
  takeSeats(ev, meta, entry.holdId, 'H', entry.offerExpiresAt, seats, entry.userId)
  redis.call('HSET', ev.entries, OFFER_FIELD .. entry.holdId, entryId)
  redis.call('ZREM', ev.waitlist, entryId)
  writeEntry(ev, entryId, entry)
  noteOffer({ kind = 'offer', entryId = entryId, holdId = entry.holdId, userId = entry.userId, expiresAt = entry.offerExpiresAt, seats = seats })
end

-- The waiting entries in arrival order, from the head, at most `count`.
local function waitingEntries(ev, count)
  local ids = redis.call('ZRANGE', ev.waitlist, 0, count - 1)
  if ids[#ids] == SENTINEL then ids[#ids] = nil end
  return ids
end

-- Whether the user can take `quantity` more seats under the event's limit.
local function withinLimit(ev, meta, userId, quantity)
  return meta.maxPerUser <= 0 or tonumber(redis.call('HGET', ev.users, userId) or '0') + quantity <= meta.maxPerUser
end

-- Gives the seats free and pooled to the waiters, by the rule above.
serveWaitlist = function(ev)
  local meta = Changes.meta
  local now = nowMs()
  for _ = 1, OFFERS_PER_CALL do
    local ids = waitingEntries(ev, WAITLIST_SCAN + 1)
    if #ids == 0 then
      releasePool(ev)
      return
    end
    local seats = availableSeats(ev) + #poolSeats(ev)
    local headId = ids[1]
    local head = readEntry(ev, headId)
    local served = nil
    if head.quantity <= seats then
      served = headId
    elseif head.skips < WAITLIST_SKIPS then
      for i = 2, #ids do
        local entry = readEntry(ev, ids[i])
        if entry.quantity <= seats then
          served = ids[i]
          break
        end
      end
      if served then
        head.skips = head.skips + 1
        writeEntry(ev, headId, head)
        -- The store of record keeps the count, so a reload never passes the head over again.
        noteOffer({ kind = 'skip', entryId = headId, skips = head.skips })
      end
    end
    if not served then
      poolFreeSeats(ev, meta)
      return
    end
    local entry = readEntry(ev, served)
    if withinLimit(ev, meta, entry.userId, entry.quantity) then
      makeOffer(ev, meta, served, entry, now)
    else
      -- The waiter has since taken seats up to the limit: the entry cannot be served.
      entry.status = 'E'
      writeEntry(ev, served, entry)
      redis.call('ZREM', ev.waitlist, served)
      redis.call('HDEL', ev.users, WAITER_FIELD .. entry.userId)
      noteOffer({ kind = 'closed', entryId = served, holdId = '', status = 'E' })
    end
  end
  -- The call made its last offer and waiters remain: what is free is theirs, kept in the pool
  -- for the next call (reapDue goes on serving it), never left for anyone else to take.
  if #waitingEntries(ev, 1) > 0 then poolFreeSeats(ev, meta) end
end
