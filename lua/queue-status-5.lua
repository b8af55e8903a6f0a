--[[
  A ticket's state, after admitting whom the pace allows.

  Input:
    KEYS[1] room      hash: rate, ttlMs, budget, lastAt, seq
    KEYS[2] queue     zset: waiting ticket -> seq
    KEYS[3] tickets   hash: ticket -> ticket record; "\1user:<userId>" -> ticket
    KEYS[4] admitted  zset: admitted ticket -> admission expiry
    KEYS[5] meta      the event's meta (its free seats and per-user limit)

    ARGV[1] userId   must own the ticket
    ARGV[2] ticket

  Output:
    {OK, ticket, status, position, token, expiresAt, estimatedWaitSeconds}   status 'W', 'A', 'D' or 'X' (expired)
    {TICKET_NOT_FOUND}   unknown, or someone else's
    {NO_WAITING_ROOM}
]]
--- @include "clock"
--- @include "waiting-room"

local rk = roomKeys()
if redis.call('HEXISTS', rk.room, 'rate') == 0 then return { Code.NO_WAITING_ROOM } end
local t = readTicket(rk, ARGV[2])
if not t or t.userId ~= ARGV[1] then return { Code.TICKET_NOT_FOUND } end
return ticketReply(rk, ARGV[2], admitDue(rk, nowMs()))
