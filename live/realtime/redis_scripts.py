"""The Lua scripts of the Redis store: each one runs atomically in Redis,
which is what makes seq gapless, votes single and acks idempotent across
every node. Keys of one lecture share the prefix ``live:{CODE}:`` (the
braces keep them in one slot should Redis Cluster ever be used).

A record template marks the seq the script assigns with the byte \\x01,
which can never appear in JSON text that orjson made (it escapes control
characters), so user text cannot collide with it.
"""

def _answer_known_ack(argv: int) -> str:
    """Lua that returns {"dup", ack} when the ack key in ARGV[argv] (under
    the lecture prefix in ARGV[1]) already holds an answer."""
    return f"""
local p = ARGV[1]
if ARGV[{argv}] ~= '' then
  local prev = redis.call('GET', p .. 'ack:' .. ARGV[{argv}])
  if prev then return {{'dup', prev}} end
end
"""


# ARGV: prefix, expected seq ("" = any), ack key ("" = none), ack template,
#       ack ttl, lecture row ("" = unchanged), time, log max length,
#       then eight per event: kind, private, author, data template, hash, id
#       template, moderator ("" = a viewer's own act), audit entry template
#       ("" = none; appended to the lecture's audit list, kept whole).
# Returns {"dup", ack} | {"lost"} (the lecture's record is gone: Redis lost
# its data; see RESTORE) | {"stale", seq} | {"ok", first seq, last seq}.
APPEND = _answer_known_ack(3) + r"""
if redis.call('EXISTS', p .. 'lecture') == 0 then return {'lost'} end
local seq = tonumber(redis.call('GET', p .. 'seq') or '0')
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= seq then return {'stale', tostring(seq)} end
local first = seq + 1
local i = 9
while i <= #ARGV do
  seq = seq + 1
  local s = tostring(seq)
  local data = string.gsub(ARGV[i + 3], '\1', s)
  redis.call('XADD', p .. 'log', 'MAXLEN', '~', ARGV[8], s .. '-1',
             'k', ARGV[i], 'd', data, 'p', ARGV[i + 1], 'a', ARGV[i + 2], 't', ARGV[7], 'b', ARGV[i + 6])
  if ARGV[i + 4] ~= '' then
    local id = string.gsub(ARGV[i + 5], '\1', s)
    redis.call('HSET', p .. ARGV[i + 4], id, data)
    if ARGV[i + 2] ~= '' then redis.call('HSETNX', p .. 'authors', id, ARGV[i + 2]) end
  end
  if ARGV[i + 7] ~= '' then
    redis.call('RPUSH', p .. 'audit', (string.gsub(ARGV[i + 7], '\1', s)))
  end
  i = i + 8
end
redis.call('SET', p .. 'seq', seq)
if ARGV[6] ~= '' then redis.call('SET', p .. 'lecture', ARGV[6]) end
if ARGV[3] ~= '' then
  redis.call('SET', p .. 'ack:' .. ARGV[3], (string.gsub(ARGV[4], '\1', tostring(first))), 'EX', ARGV[5])
end
return {'ok', tostring(first), tostring(seq)}
"""

# ARGV: prefix, ack key ("" = none), ack ttl, question, viewer, up (1/0).
# Returns {"dup", ack} | {"ok", changed, tally}.
VOTE = _answer_known_ack(2) + r"""
local q, v = ARGV[4], ARGV[5]
local changed
if ARGV[6] == '1' then
  changed = redis.call('SADD', p .. 'votes:' .. q, v)
  if changed == 1 then redis.call('SADD', p .. 'voted:' .. v, q) end
else
  changed = redis.call('SREM', p .. 'votes:' .. q, v)
  if changed == 1 then redis.call('SREM', p .. 'voted:' .. v, q) end
end
local tally = redis.call('SCARD', p .. 'votes:' .. q)
redis.call('HSET', p .. 'tally', q, tally)
if ARGV[2] ~= '' then
  local up = 'false'
  if ARGV[6] == '1' then up = 'true' end
  redis.call('SET', p .. 'ack:' .. ARGV[2],
             '{"question":' .. cjson.encode(q) .. ',"votes":' .. tally .. ',"up":' .. up .. '}', 'EX', ARGV[3])
end
return {'ok', tostring(changed), tostring(tally)}
"""

# ARGV: prefix, ack key ("" = none), ack ttl, count. Returns {"dup", ack} | {"ok", total}.
LIKE = _answer_known_ack(2) + r"""
local total = redis.call('HINCRBY', p .. 'counters', 'likes', ARGV[4])
if ARGV[2] ~= '' then
  redis.call('SET', p .. 'ack:' .. ARGV[2], '{"likes":' .. total .. '}', 'EX', ARGV[3])
end
return {'ok', tostring(total)}
"""

# A token bucket on Redis's clock, so a viewer on two nodes has one allowance.
# KEYS: the bucket. ARGV: rate per second, burst, tokens wanted.
# Returns "" when allowed, else the seconds to wait.
TAKE = r"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local rate, burst, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = ''
if n > tokens + 1e-6 then
  wait = tostring((n - tokens) / rate)
else
  tokens = math.max(0, tokens - n)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return wait
"""

# One node's viewers of a lecture by source, and the totals over the nodes
# that reported within the last ``stale`` seconds (a crashed node's viewers
# drop out by themselves). Also raises the peak.
# KEYS: online hash, counters hash. ARGV: node id, stale seconds, this
# node's counts as JSON ({"page": 812, "widget:https://…": 40}).
# Returns {total, peak, the totals by source as JSON}.
ONLINE = r"""
local t = redis.call('TIME')
local now = tonumber(t[1])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({at = now, s = cjson.decode(ARGV[3])}))
local total, by = 0, {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local ok, entry = pcall(cjson.decode, entries[i + 1])
  if not ok or type(entry) ~= 'table' or now - (tonumber(entry.at) or 0) > tonumber(ARGV[2]) then
    redis.call('HDEL', KEYS[1], entries[i])
  else
    for source, n in pairs(entry.s) do
      total = total + n
      by[source] = (by[source] or 0) + n
    end
  end
end
local peak = tonumber(redis.call('HGET', KEYS[2], 'peak_online') or '0')
if total > peak then
  peak = total
  redis.call('HSET', KEYS[2], 'peak_online', peak)
end
if next(by) == nil then return {total, peak, '{}'} end
return {total, peak, cjson.encode(by)}
"""

# Count a visit by its source; past ``most`` distinct sources, under ``other``.
# KEYS: the lecture's visits-by-source hash. ARGV: source, most, other.
COUNT_SOURCE = r"""
local key = ARGV[1]
if redis.call('HEXISTS', KEYS[1], key) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[2]) then
  key = ARGV[3]
end
return redis.call('HINCRBY', KEYS[1], key, 1)
"""

# Unite a merged question's voters with its target's.
# ARGV: prefix, source question, target question. Returns the target's tally.
MERGE_VOTES = r"""
local p, src, dst = ARGV[1], ARGV[2], ARGV[3]
for _, v in ipairs(redis.call('SMEMBERS', p .. 'votes:' .. src)) do
  if redis.call('SADD', p .. 'votes:' .. dst, v) == 1 then redis.call('SADD', p .. 'voted:' .. v, dst) end
end
local tally = redis.call('SCARD', p .. 'votes:' .. dst)
redis.call('HSET', p .. 'tally', dst, tally)
return tally
"""

# One viewer's answer to a poll, and the poll's counts (one per option, value
# or word an answer counts for), so a voter on two nodes still answers once.
# ARGV: prefix, ack key ("" = none), ack ttl, poll, viewer, the answer's JSON,
#       what is kept (JSON with "raw": the answer's JSON, and "keys"),
#       allow change (1/0), then the keys this answer counts for.
# Returns {"dup", ack} | {"answered"} | {"ok" | "same", total, key, count, ...}.
ANSWER = _answer_known_ack(2) + r"""
local answers, counts = p .. 'pa:' .. ARGV[4], p .. 'pc:' .. ARGV[4]
local prev = redis.call('HGET', answers, ARGV[5])
local status = 'ok'
if prev then
  local old = cjson.decode(prev)
  if old.raw == ARGV[6] then
    status = 'same'
  elseif ARGV[8] ~= '1' then
    return {'answered'}
  else
    for _, k in ipairs(old.keys) do redis.call('HINCRBY', counts, k, -1) end
  end
end
if status == 'ok' then
  for i = 9, #ARGV do redis.call('HINCRBY', counts, ARGV[i], 1) end
  redis.call('HSET', answers, ARGV[5], ARGV[7])
end
if ARGV[2] ~= '' then
  redis.call('SET', p .. 'ack:' .. ARGV[2], '{"poll":' .. cjson.encode(ARGV[4]) .. ',"answer":' .. ARGV[6] .. '}',
             'EX', ARGV[3])
end
local out = {status, redis.call('HLEN', answers)}
for _, v in ipairs(redis.call('HGETALL', counts)) do out[#out + 1] = v end
return out
"""

# Put back a lecture's record that Redis lost (it restarted empty, or was
# flushed), from a node that still has it in memory, with a new epoch; the
# seq goes on from the highest the node knew, so ids are never reused. The
# first node to get here wins; the others find the record and reload.
# ARGV: prefix, lecture row, seq the node had. Returns 1 if restored, else 0.
RESTORE = r"""
local p = ARGV[1]
if not redis.call('SET', p .. 'lecture', ARGV[2], 'NX') then return 0 end
local seq = tonumber(redis.call('GET', p .. 'seq') or '0')
if tonumber(ARGV[3]) > seq then redis.call('SET', p .. 'seq', ARGV[3]) end
return 1
"""

# Let go of a lock this node holds (and only then: it may have expired and
# been taken by another). KEYS: the lock. ARGV: this node's id.
RELEASE = r"""
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
