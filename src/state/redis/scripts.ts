/**
 * Lua scripts: multi-step writes that must be atomic (a crash between two
 * separate commands would leave an event unpublished, a key without TTL, or
 * a breaker half-updated). Each sets its key's TTL in the same script.
 *
 * Every script touches one key, and publishes (if at all) on the channel of
 * that key's scope (key-space.ts), so it runs on a Redis Cluster: the key
 * and the channel share a hash slot. The publish command is an argument:
 * PUBLISH on one endpoint or Sentinel, SPUBLISH on a cluster, whose sharded
 * channels must stay in the script's slot.
 */

/**
 * Append an event to a session log, refresh the log's TTL, and publish it to
 * the session channel. An empty position means "the log assigns one": the
 * stream entry id, which orders events from many producers. The log is
 * trimmed exactly (not "~"): a reader tells "full, may have dropped events"
 * from its length (RedisStore.eventsAfter).
 * KEYS: log; ARGV: streamId, position, data, maxLen, ttlMs, channel, publish command
 */
export const APPEND_EVENT = `
local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '=', ARGV[4], '*', 's', ARGV[1], 'p', ARGV[2], 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local pos = ARGV[2]
if pos == '' then pos = entry end
local id = ARGV[1] .. '_' .. pos
redis.call(ARGV[7], ARGV[6], cjson.encode({ t = 'event', streamId = ARGV[1], id = id, data = ARGV[3] }))
return id
`;

/**
 * Circuit-breaker transition; mirrors src/state/breaker-rules.ts exactly.
 * Publishes the new snapshot when the state changed.
 * KEYS: breaker hash; ARGV: event, threshold, openMs, now, ttlMs, channel, backend, publish command
 * Returns { state, until, failures, granted }.
 */
export const BREAKER = `
local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local untilMs = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local event, threshold, openMs, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local nstate, nuntil, nfail, granted = state, untilMs, failures, 0
if event == 'success' then
  nstate, nuntil, nfail = 'closed', 0, 0
elseif event == 'failure' then
  nfail = failures + 1
  if state == 'half-open' or state == 'open' or nfail >= threshold then
    nstate, nuntil = 'open', now + openMs
  else
    nstate, nuntil = 'closed', 0
  end
else
  if (state == 'open' or state == 'half-open') and now >= untilMs then
    nstate, nuntil, granted = 'half-open', now + openMs, 1
  elseif state == 'closed' then
    granted = 1
  end
end
redis.call('HSET', KEYS[1], 'state', nstate, 'until', nuntil, 'failures', nfail)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if nstate ~= state then
  redis.call(ARGV[8], ARGV[6], cjson.encode({ t = 'breaker', backend = ARGV[7], state = { state = nstate, ['until'] = nuntil, failures = nfail } }))
end
return { nstate, tostring(nuntil), tostring(nfail), granted }
`;

/** Releases a lock only if this owner still holds it. KEYS: lock; ARGV: token */
export const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Session records are hashes, one JSON-encoded field per record field, so a
 * change writes only the fields it changes: two workers changing different
 * fields of one session at once both land. An empty value deletes the field.
 *
 * SESSION_PUT (the whole record): KEYS: session; ARGV: ttlMs, mode ("replace"
 * or "if-absent"), then field/value pairs. Returns 1 if written.
 */
export const SESSION_PUT = `
if ARGV[2] == 'if-absent' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do
  if ARGV[i + 1] ~= '' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * SESSION_PATCH: KEYS: session; ARGV: ttlMs, n (patched field count), n
 * field/value pairs of the patch, then the pairs of the whole record. A
 * session the store lost is written whole from the caller's copy.
 */
export const SESSION_PATCH = `
local n = tonumber(ARGV[2])
local first, last = 3, 2 + 2 * n
if redis.call('EXISTS', KEYS[1]) == 0 then first, last = 3 + 2 * n, #ARGV end
for i = first, last, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * Token bucket; mirrors src/state/token-bucket.ts exactly: take up to
 * ARGV[3] (want) tokens, at least ARGV[4] (need), or none; a negative want
 * gives tokens back. Redis's own clock (TIME) times the refill, so workers
 * and nodes with skewed clocks share one bucket. The hash expires once an
 * untouched bucket would be full again.
 * KEYS: bucket hash; ARGV: capacity, refillPerMs, want, need
 * Returns { taken, remaining (whole tokens), retryAfterMs }.
 */
export const TOKEN_BUCKET = `
local capacity, rate, want, need = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local held = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = capacity
if held[1] then
  local elapsed = now - tonumber(held[2])
  if elapsed < 0 then elapsed = 0 end
  tokens = math.min(capacity, tonumber(held[1]) + elapsed * rate)
end
local taken, retry = 0, 0
if want <= 0 then
  tokens = math.min(capacity, tokens - want)
elseif tokens >= need then
  taken = math.min(want, math.floor(tokens))
  tokens = tokens - taken
else
  retry = math.ceil((need - tokens) / rate)
end
redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'at', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate))
return { taken, math.floor(tokens), retry }
`;

/**
 * One probe result applied to a replica's health; mirrors
 * src/state/health-rules.ts exactly. Publishes the new snapshot when the
 * state changed.
 * KEYS: health hash; ARGV: ok (1/0), healthyThreshold, unhealthyThreshold, now, ttlMs, channel, replica, publish command
 * Returns { state, passes, failures, since, changed }.
 */
export const HEALTH = `
local state = redis.call('HGET', KEYS[1], 'state') or 'unknown'
local passes = tonumber(redis.call('HGET', KEYS[1], 'passes') or '0')
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local since = tonumber(redis.call('HGET', KEYS[1], 'since') or '0')
local ok, healthyThreshold, unhealthyThreshold, now = ARGV[1] == '1', tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if ok then passes, failures = passes + 1, 0 else passes, failures = 0, failures + 1 end
local nstate = state
if ok and state == 'unknown' then
  nstate = 'healthy'
elseif ok and state == 'unhealthy' and passes >= healthyThreshold then
  nstate = 'healthy'
elseif (not ok) and state ~= 'unhealthy' and failures >= unhealthyThreshold then
  nstate = 'unhealthy'
end
local changed = 0
if nstate ~= state then since, changed = now, 1 end
redis.call('HSET', KEYS[1], 'state', nstate, 'passes', passes, 'failures', failures, 'since', since)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if changed == 1 then
  redis.call(ARGV[8], ARGV[6], cjson.encode({ t = 'health', replica = ARGV[7], state = { state = nstate, passes = passes, failures = failures, since = since } }))
end
return { nstate, tostring(passes), tostring(failures), tostring(since), changed }
`;
