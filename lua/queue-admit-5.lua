--[[
  Checks an admission token before a claim: it must be the user's own ticket, admitted and
  not expired (or done: a user who claimed once may claim again while the admission lasts).
  With `done`, marks the user done after a granted claim: they no longer count against the
  inventory (their seats do).

  Input:
    KEYS[1] room      hash: rate, ttlMs, budget, lastAt, seq
    KEYS[2] queue     zset: waiting ticket -> seq
    KEYS[3] tickets   hash: ticket -> ticket record; "\1user:<userId>" -> ticket
    KEYS[4] admitted  zset: admitted ticket -> admission expiry
    KEYS[5] meta      the event's meta (its free seats and per-user limit)

    ARGV[1] userId
    ARGV[2] token   "<ticket>.<secret>"
    ARGV[3] done    '1' to mark the ticket done, '0' to check only

  Output:
    {OK}
    {ADMISSION_REQUIRED}   no such token, another user's, forged, not admitted, or expired
    {NO_WAITING_ROOM}
]]
--- @include "clock"
--- @include "waiting-room"

local rk = roomKeys()
if redis.call('HEXISTS', rk.room, 'rate') == 0 then return { Code.NO_WAITING_ROOM } end
local ticket, secret = string.match(ARGV[2], '^([%w_-]+)%.([%w]+)$')
local t = ticket and readTicket(rk, ticket)
local now = nowMs()
if not t or t.userId ~= ARGV[1] or t.secret ~= secret or (t.status ~= 'A' and t.status ~= 'D') or t.expiresAt <= now then
  return { Code.ADMISSION_REQUIRED }
end
if ARGV[3] == '1' and t.status == 'A' then
  t.status = 'D'
  redis.call('HSET', rk.tickets, ticket, encodeTicket(t))
  redis.call('ZREM', rk.admitted, ticket)
end
return { Code.OK }
