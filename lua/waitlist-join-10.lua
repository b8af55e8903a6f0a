--[[
  Puts a buyer on the event's waitlist (see includes/waitlist.lua for the rule). When seats
  are free for them now, they get an offer at once. Once per user per event while their entry
  is waiting or offered.

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
    ARGV[3] userId
    ARGV[4] entryId      a fresh id for the entry (found already, the user's: this command was resent)
    ARGV[5] quantity     seats wanted, 1..the event's per-user limit, or 1..ARGV[6] without one
    ARGV[6] maxQuantity

  Output:
    {OK, status, position, holdId, offerExpiresAt, seq}   status 'W' waiting (position from 1)
                                                          or 'O' offered (position 0)
    {ALREADY_WAITING, entryId}   the user has an entry waiting or offered
    {USER_LIMIT, replayed, limit, current}
    {INVALID_ARGUMENT, name}
    {NOT_LOADED}
]]
--- @include "event-keys"
--- @include "event-meta"
--- @include "clock"
--- @include "reap"

local ev = eventKeys()
local userId, entryId = ARGV[3], ARGV[4]
local meta = readMeta(ev)
if not meta then return { Code.NOT_LOADED } end
local limit = meta.maxPerUser > 0 and meta.maxPerUser or tonumber(ARGV[6])
local quantity = wholeNumber(ARGV[5], 1, limit)
if quantity == nil then return { Code.INVALID_ARGUMENT, 'quantity' } end

local function answer(id)
  local entry = readEntry(ev, id)
  local rank = redis.call('ZRANK', ev.waitlist, id)
  return { Code.OK, entry.status, rank and rank + 1 or 0, entry.holdId, entry.offerExpiresAt, entry.seq }
end

local existing = readEntry(ev, entryId)
if existing then
  if existing.userId ~= userId then return { Code.INVALID_ARGUMENT, 'entryId' } end
  return finish(ev, answer(entryId))
end
local active = redis.call('HGET', ev.users, WAITER_FIELD .. userId)
if active then return { Code.ALREADY_WAITING, active } end
local current = tonumber(redis.call('HGET', ev.users, userId) or '0')
if meta.maxPerUser > 0 and current + quantity > meta.maxPerUser then
  return { Code.USER_LIMIT, 0, meta.maxPerUser, current }
end

reapDue(ev, nowMs(), tonumber(ARGV[1]), tonumber(ARGV[2]))
local seq = redis.call('HINCRBY', ev.meta, 'wlSeq', 1)
writeEntry(ev, entryId, {
  status = 'W', quantity = quantity, seq = seq, offers = 0, skips = 0, offerExpiresAt = 0, holdId = '', userId = userId,
})
redis.call('ZADD', ev.waitlist, seq, entryId)
redis.call('HSET', ev.users, WAITER_FIELD .. userId, entryId)
serveWaitlist(ev)
return finish(ev, answer(entryId))
