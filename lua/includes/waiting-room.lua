--[[
  A waiting room in front of an event: buyers queue (a ticket each, once per user), and are
  admitted first come first served at the event's pace, while the inventory can serve them.
  Admission is lazy: every call on the room first admits whom the pace allows since the last
  one (a bucket of at most one second's admissions).

  Tied to inventory: nobody is admitted while the users admitted and not done could claim
  every seat still free, each up to the per-user limit (or PER_USER_WITHOUT_LIMIT seats on an
  event without one). A user is done once a claim of theirs is granted; an admission unused
  after the room's admission TTL expires, and makes room for the next.

  Keys (the event's tag): room (hash: rate, ttlMs, budget, lastAt, seq), queue (zset: waiting
  ticket -> seq), tickets (hash: ticket -> "<status>:<seq>:<expiresAt>:<secret>:<userId>";
  status 'W' waiting, 'A' admitted, 'D' done, 'X' expired; and "\1user:<userId>" -> ticket),
  admitted (zset: admitted ticket -> admission expiry). The event's meta gives the free seats
  and the limit.
]]
local PER_USER_WITHOUT_LIMIT = 100
local USER_FIELD = '\1user:'

local function roomKeys()
  return { room = KEYS[1], queue = KEYS[2], tickets = KEYS[3], admitted = KEYS[4], meta = KEYS[5] }
end

local function encodeTicket(t)
  return table.concat({ t.status, t.seq, t.expiresAt, t.secret, t.userId }, ':')
end

local function decodeTicket(raw)
  local status, seq, expiresAt, secret, userId = string.match(raw, '^(%u):(%d+):(%d+):([%w]*):(.*)$')
  return { status = status, seq = tonumber(seq), expiresAt = tonumber(expiresAt), secret = secret, userId = userId }
end

local function readTicket(rk, ticket)
  local raw = redis.call('HGET', rk.tickets, ticket)
  return raw and decodeTicket(raw)
end

-- Admits whom the pace and the inventory allow now; returns the room's rate.
local function admitDue(rk, now)
  local f = redis.call('HMGET', rk.room, 'rate', 'ttlMs', 'budget', 'lastAt')
  local rate, ttlMs = tonumber(f[1]), tonumber(f[2])
  -- The bucket starts full: the room's first second admits at once.
  local budget = f[4] and math.min(rate, tonumber(f[3]) + math.max(0, now - tonumber(f[4])) / 1000 * rate) or rate
  -- Admissions that ran out unused make room.
  for _, ticket in ipairs(redis.call('ZRANGEBYSCORE', rk.admitted, '-inf', now)) do
    local t = readTicket(rk, ticket)
    if t and t.status == 'A' then
      t.status = 'X'
      redis.call('HSET', rk.tickets, ticket, encodeTicket(t))
      redis.call('HDEL', rk.tickets, USER_FIELD .. t.userId)
    end
    redis.call('ZREM', rk.admitted, ticket)
  end
  local m = redis.call('HMGET', rk.meta, 'available', 'maxPerUser')
  local perUser = tonumber(m[2] or '0')
  if perUser <= 0 then perUser = PER_USER_WITHOUT_LIMIT end
  -- Admit while those admitted could not take every free seat between them: ceil, so a last
  -- seat or two (fewer than one user's limit) still admits a buyer.
  local room = math.ceil(tonumber(m[1] or '0') / perUser) - redis.call('ZCARD', rk.admitted)
  local admit = math.min(math.floor(budget), math.max(0, room))
  if admit > 0 then
    for _, ticket in ipairs(redis.call('ZRANGE', rk.queue, 0, admit - 1)) do
      local t = readTicket(rk, ticket)
      t.status, t.expiresAt = 'A', now + ttlMs
      redis.call('HSET', rk.tickets, ticket, encodeTicket(t))
      redis.call('ZADD', rk.admitted, t.expiresAt, ticket)
      redis.call('ZREM', rk.queue, ticket)
      budget = budget - 1
    end
  end
  redis.call('HSET', rk.room, 'budget', tostring(budget), 'lastAt', now)
  return rate
end

-- What a ticket's holder sees: {OK, ticket, status, position, token, expiresAt, estimatedWaitSeconds}.
local function ticketReply(rk, ticket, rate)
  local t = readTicket(rk, ticket)
  local rank = redis.call('ZRANK', rk.queue, ticket)
  local position = rank and rank + 1 or 0
  local token = t.status == 'A' and (ticket .. '.' .. t.secret) or ''
  local wait = position > 0 and math.ceil(position / rate) or 0
  return { Code.OK, ticket, t.status, position, token, t.expiresAt, wait }
end
