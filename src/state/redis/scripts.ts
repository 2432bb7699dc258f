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
