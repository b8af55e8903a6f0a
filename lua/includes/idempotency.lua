--[[
  An idempotency record is "<fingerprint>\n<reply as JSON>" under its own key, with a TTL.
  The same fingerprint replays the stored reply with replayed = 1; another fingerprint is
  IDEMPOTENCY_MISMATCH. An empty fingerprint means the request carried no key.
  A stored grant of this call's own (fresh) hold id is not a retry but the same command
  resent after its reply was lost: it is answered as the first answer, replayed = 0.
]]
local function replayIdempotent(idemKey, fingerprint, holdId)
  if fingerprint == '' then return nil end
  local stored = redis.call('GET', idemKey)
  if not stored then return nil end
  local split = string.find(stored, '\n', 1, true)
  if string.sub(stored, 1, split - 1) ~= fingerprint then
    return { Code.IDEMPOTENCY_MISMATCH }
  end
  local reply = cjson.decode(string.sub(stored, split + 1))
  reply[2] = (reply[1] == Code.OK and reply[3] == holdId) and 0 or 1
  return reply
end

-- Stores a business outcome (success or refusal) and returns it unchanged.
local function rememberReply(idemKey, fingerprint, ttlMs, reply)
  if fingerprint ~= '' then
    redis.call('SET', idemKey, fingerprint .. '\n' .. cjson.encode(reply), 'PX', ttlMs)
  end
  return reply
end
