--[[
  Puts a user in the event's waiting room (see includes/waiting-room.lua), or answers the
  ticket they have already (waiting or admitted). The room must be open (set up at the
  event's load).

  Input:
    KEYS[1] room      hash: rate, ttlMs, budget, lastAt, seq
    KEYS[2] queue     zset: waiting ticket -> seq
    KEYS[3] tickets   hash: ticket -> ticket record; "\1user:<userId>" -> ticket
    KEYS[4] admitted  zset: admitted ticket -> admission expiry
    KEYS[5] meta      the event's meta (its free seats and per-user limit)

    ARGV[1] userId
    ARGV[2] ticket   a fresh ticket id
    ARGV[3] secret   the ticket's secret, [A-Za-z0-9]+: its admission token is "<ticket>.<secret>"

  Output:
    {OK, ticket, status, position, token, expiresAt, estimatedWaitSeconds}
        status 'W' waiting (position from 1), 'A' admitted (token, expiresAt), 'D' done
    {NO_WAITING_ROOM}   the event has none (or is not loaded)
]]
--- @include "clock"
--- @include "waiting-room"

local rk = roomKeys()
if redis.call('HEXISTS', rk.room, 'rate') == 0 then return { Code.NO_WAITING_ROOM } end
local userId, ticket, secret = ARGV[1], ARGV[2], ARGV[3]
local now = nowMs()
local rate = admitDue(rk, now)
local held = redis.call('HGET', rk.tickets, USER_FIELD .. userId)
if held then return ticketReply(rk, held, rate) end
local seq = redis.call('HINCRBY', rk.room, 'seq', 1)
redis.call('HSET', rk.tickets, ticket, encodeTicket({ status = 'W', seq = seq, expiresAt = 0, secret = secret, userId = userId }))
redis.call('HSET', rk.tickets, USER_FIELD .. userId, ticket)
redis.call('ZADD', rk.queue, seq, ticket)
admitDue(rk, now)
return ticketReply(rk, ticket, rate)
