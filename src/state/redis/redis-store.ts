/**
 * StateStore on Redis (ioredis): one endpoint, a Sentinel-managed master,
 * or a Cluster (redis-url.ts says which).
 *
 * Built to never stall the gateway behind a dead connection: no offline
 * queue (a command while disconnected fails at once), a bounded command
 * timeout, and reconnection forever in the background (connect.ts).
 * Subscriptions live on a second connection (redis-bus.ts). Key names come
 * from key-space.ts, so the keys one script or MULTI touches share a
 * cluster slot. Callers get StoreUnavailable and fall back to local state.
 */
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { SESSION_EVENT_LOG_MAX_EVENTS, SESSION_IDLE_TIMEOUT_MS } from '../../config/defaults.js';
import { APPEND_EVENT, BREAKER, HEALTH, SESSION_PATCH, SESSION_PUT, TOKEN_BUCKET, UNLOCK } from './scripts.js';
import { UNKNOWN_HEALTH } from '../health-rules.js';
import { openRedis, type RedisClient } from './connect.js';
import { KeySpace, SCOPE } from './key-space.js';
import { RedisBus } from './redis-bus.js';
import { RedisHealth } from './redis-health.js';
import { REDIS_CONNECT_TIMEOUT_MS } from './redis-defaults.js';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';
import {
  comparePositions,
  parseEventId,
  sessionChannel,
  BREAKER_CHANNEL,
  HEALTH_CHANNEL,
  StoreUnavailable,
  type BreakerPolicy,
  type BreakerSnapshot,
  type BusHandler,
  type HealthPolicy,
  type HealthSnapshot,
  type TokenBucketResult,
  type TokenBucketSpec,
  type BusMessage,
  type SessionRecord,
  type StateStore,
  type StoredEvent,
  type Replay,
} from '../store.js';

/** Breaker state outlives any open period many times over, then expires with no traffic. */
const BREAKER_TTL_MS = 24 * 3_600_000;
/** An event log lives as long as its session: both expire after this much idleness, and activity renews both. */
const DEFAULT_LOG_TTL_MS = SESSION_IDLE_TIMEOUT_MS;

interface Scripts {
  appendEvent(log: string, streamId: string, position: string, data: string, maxLen: number, ttlMs: number, channel: string, publish: string): Promise<string>;
  breakerEvent(key: string, event: string, threshold: number, openMs: number, now: number, ttlMs: number, channel: string, backend: string, publish: string): Promise<[string, string, string, number]>;
  unlockOwned(key: string, token: string): Promise<number>;
  healthProbe(key: string, ok: number, healthyThreshold: number, unhealthyThreshold: number, now: number, ttlMs: number, channel: string, replica: string, publish: string): Promise<[string, string, string, string, number]>;
  tokenBucket(key: string, capacity: number, refillPerMs: number, want: number, need: number): Promise<[number, number, number]>;
  sessionPut(key: string, ttlMs: number, mode: 'replace' | 'if-absent', ...pairs: string[]): Promise<number>;
  sessionPatch(key: string, ttlMs: number, patched: number, ...pairs: string[]): Promise<number>;
}

export class RedisStore implements StateStore {
  readonly kind = 'redis' as const;
  private readonly target: RedisTarget;
  private readonly redis: RedisClient & Scripts;
  private readonly bus: RedisBus;
  /** Whether Redis can be reached (not replica health, which `health()` reads). */
  private readonly reach: RedisHealth;
  private readonly keys: KeySpace;
  /** PUBLISH, or SPUBLISH on a cluster (sharded channels, see redis-bus.ts). */
  private readonly publishCommand: 'PUBLISH' | 'SPUBLISH';
  private readonly lockTokens = new Map<string, string>();

  /** `url`: a setting redis-url.ts accepts (throws RedisUrlError otherwise). */
  constructor(url: string, prefix = 'o1m:', private readonly maxEvents = SESSION_EVENT_LOG_MAX_EVENTS) {
    this.target = parseRedisUrl(url);
    this.keys = new KeySpace(prefix);
    this.redis = openRedis(this.target, 'commands') as RedisClient & Scripts;
    this.publishCommand = this.redis instanceof Cluster ? 'SPUBLISH' : 'PUBLISH';
    this.redis.defineCommand('appendEvent', { numberOfKeys: 1, lua: APPEND_EVENT });
    this.redis.defineCommand('breakerEvent', { numberOfKeys: 1, lua: BREAKER });
    this.redis.defineCommand('unlockOwned', { numberOfKeys: 1, lua: UNLOCK });
    this.redis.defineCommand('healthProbe', { numberOfKeys: 1, lua: HEALTH });
    this.redis.defineCommand('tokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
    this.redis.defineCommand('sessionPut', { numberOfKeys: 1, lua: SESSION_PUT });
    this.redis.defineCommand('sessionPatch', { numberOfKeys: 1, lua: SESSION_PATCH });
    this.reach = new RedisHealth(this.redis);
    const subscriber = openRedis(this.target, 'subscriber');
    this.reach.watch(subscriber);
    this.bus = new RedisBus(subscriber);
  }

  get healthy(): boolean {
    return this.reach.healthy;
  }

  onHealth(listener: (healthy: boolean, reason?: string) => void): void {
    this.reach.onChange(listener);
  }

  /** True once connected; false when still not connected after `timeoutMs` (a starting worker then serves degraded). */
  ready(timeoutMs = REDIS_CONNECT_TIMEOUT_MS): Promise<boolean> {
    return this.reach.ready(timeoutMs);
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const fields = await this.run(() => this.redis.hgetall(this.sessionKey(id, 'rec')));
    const entries = Object.entries(fields);
    if (entries.length === 0) return undefined;
    return Object.fromEntries(entries.map(([k, v]) => [k, JSON.parse(v) as unknown])) as unknown as SessionRecord;
  }

  async putSession(record: SessionRecord, idleMs: number): Promise<void> {
    await this.run(() => this.redis.sessionPut(this.sessionKey(record.id, 'rec'), idleMs, 'replace', ...fieldPairs(record)));
  }

  async restoreSession(record: SessionRecord, idleMs: number): Promise<void> {
    await this.run(() => this.redis.sessionPut(this.sessionKey(record.id, 'rec'), idleMs, 'if-absent', ...fieldPairs(record)));
  }

  async patchSession(record: SessionRecord, patch: Partial<SessionRecord>, idleMs: number): Promise<void> {
    const changed = fieldPairs(patch, true);
    await this.run(() => this.redis.sessionPatch(this.sessionKey(record.id, 'rec'), idleMs, changed.length / 2, ...changed, ...fieldPairs(record)));
  }

  async deleteSession(id: string): Promise<void> {
    await this.run(() => this.redis.del(this.sessionKey(id, 'rec'), this.sessionKey(id, 'log')));
  }

  async touchSession(id: string, idleMs: number): Promise<void> {
    // The log too: a session busy with plain JSON answers appends no events, and its streams must stay resumable.
    await this.run(() =>
      this.redis.multi().pexpire(this.sessionKey(id, 'rec'), idleMs).pexpire(this.sessionKey(id, 'log'), Math.max(idleMs, DEFAULT_LOG_TTL_MS)).exec(),
    );
  }

  async appendEvent(sessionId: string, streamId: string, data: string, position?: number): Promise<string> {
    return this.run(() =>
      this.redis.appendEvent(
        this.sessionKey(sessionId, 'log'),
        streamId,
        position === undefined ? '' : String(position),
        data,
        this.maxEvents,
        DEFAULT_LOG_TTL_MS,
        this.keys.channel(sessionChannel(sessionId)),
        this.publishCommand,
      ),
    );
  }

  async eventsAfter(sessionId: string, lastEventId: string): Promise<Replay | undefined> {
    const parsed = parseEventId(lastEventId);
    if (!parsed) return undefined;
    const entries = await this.run(() => this.redis.xrange(this.sessionKey(sessionId, 'log'), '-', '+'));
    let known = false;
    let stillHeld = false;
    const events: StoredEvent[] = [];
    for (const [entryId, fields] of entries) {
      const f = fieldMap(fields);
      if (f.s !== parsed.streamId) continue;
      known = true;
      const position = f.p === '' || f.p === undefined ? entryId : f.p;
      const order = comparePositions(position, parsed.position);
      if (order === 0) stillHeld = true;
      else if (order > 0) events.push({ id: `${f.s}_${position}`, data: f.d ?? '' });
    }
    // APPEND_EVENT trims exactly to maxEvents, so a full log is one that may have dropped events.
    if (!stillHeld && entries.length >= this.maxEvents) return { streamId: parsed.streamId, events: [], lost: true };
    return known ? { streamId: parsed.streamId, events, lost: false } : undefined;
  }

  async publish(channel: string, message: BusMessage): Promise<number> {
    const name = this.keys.channel(channel);
    const payload = JSON.stringify(message);
    if (this.publishCommand === 'PUBLISH') return this.run(() => this.redis.publish(name, payload));
    // ioredis types SPUBLISH's reply as unknown; it is the receiver count, as PUBLISH's.
    return this.run(async () => Number(await this.redis.spublish(name, payload)));
  }

  subscribe(channel: string, handler: BusHandler): () => void {
    return this.bus.subscribe(this.keys.channel(channel), (payload) => {
      let message: BusMessage;
      try {
        message = JSON.parse(payload) as BusMessage;
      } catch {
        return;
      }
      handler(message);
    });
  }

  async getCached(key: string): Promise<string | undefined> {
    return (await this.run(() => this.redis.get(this.callerKey(key, 'val')))) ?? undefined;
  }

  async setCached(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.set(this.callerKey(key, 'val'), value, 'PX', ttlMs));
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    const token = randomBytes(9).toString('base64url');
    const ok = await this.run(() => this.redis.set(this.callerKey(key, 'lock'), token, 'PX', ttlMs, 'NX'));
    if (ok !== 'OK') return false;
    this.lockTokens.set(key, token);
    return true;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.run(() => this.redis.set(this.callerKey(key, 'once'), '1', 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async unlock(key: string): Promise<void> {
    const token = this.lockTokens.get(key);
    if (token === undefined) return;
    this.lockTokens.delete(key);
    await this.run(() => this.redis.unlockOwned(this.callerKey(key, 'lock'), token));
  }

  async breaker(backend: string, event: 'failure' | 'success' | 'probe', policy: BreakerPolicy, now: number): Promise<BreakerSnapshot & { granted?: boolean }> {
    const [state, until, failures, granted] = await this.run(() =>
      this.redis.breakerEvent(
        this.keys.key(SCOPE.breakers, backend),
        event,
        policy.threshold,
        policy.openMs,
        now,
        BREAKER_TTL_MS,
        this.keys.channel(BREAKER_CHANNEL),
        backend,
        this.publishCommand,
      ),
    );
    return { state: state as BreakerSnapshot['state'], until: Number(until), failures: Number(failures), granted: granted === 1 };
  }

  /** One key per bucket, in the bucket's own scope: the script touches no other key. */
  async takeTokens(key: string, spec: TokenBucketSpec, want: number, need = want): Promise<TokenBucketResult> {
    const [taken, remaining, retryAfterMs] = await this.run(() => this.redis.tokenBucket(this.keys.key(SCOPE.rateLimit(key), 'bucket'), spec.capacity, spec.refillPerMs, want, need));
    return { allowed: want <= 0 || taken > 0, taken, remaining, retryAfterMs };
  }

  async healthProbe(replica: string, ok: boolean, policy: HealthPolicy, now: number): Promise<HealthSnapshot & { changed: boolean }> {
    const [state, passes, failures, since, changed] = await this.run(() =>
      this.redis.healthProbe(
        this.keys.key(SCOPE.health, replica),
        ok ? 1 : 0,
        policy.healthyThreshold,
        policy.unhealthyThreshold,
        now,
        policy.ttlMs,
        this.keys.channel(HEALTH_CHANNEL),
        replica,
        this.publishCommand,
      ),
    );
    return { state: state as HealthSnapshot['state'], passes: Number(passes), failures: Number(failures), since: Number(since), changed: changed === 1 };
  }

  async health(replicas: readonly string[]): Promise<HealthSnapshot[]> {
    if (replicas.length === 0) return [];
    // One read per replica, pipelined: one round trip (all in the `hc` slot on a cluster).
    const pipeline = this.redis.pipeline();
    for (const r of replicas) pipeline.hmget(this.keys.key(SCOPE.health, r), 'state', 'passes', 'failures', 'since');
    const results = (await this.run(() => pipeline.exec())) ?? [];
    return replicas.map((_, i) => {
      const [err, fields] = results[i] ?? [null, []];
      if (err) throw new StoreUnavailable(err.message);
      const [state, passes, failures, since] = fields as Array<string | null>;
      if (state === null || state === undefined) return { ...UNKNOWN_HEALTH };
      return { state: state as HealthSnapshot['state'], passes: Number(passes), failures: Number(failures), since: Number(since) };
    });
  }

  async close(): Promise<void> {
    this.reach.close();
    this.bus.close();
    this.redis.disconnect();
  }

  /** Keys of this gateway, for tests and tooling (SCAN on every master, never KEYS). */
  async keyNames(): Promise<string[]> {
    const out: string[] = [];
    const nodes = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, batch] = await this.run(() => node.scan(cursor, 'MATCH', `${this.keys.prefix}*`, 'COUNT', 1000));
        cursor = next;
        out.push(...batch);
      } while (cursor !== '0');
    }
    return out;
  }

  private sessionKey(id: string, part: 'rec' | 'log'): string {
    return this.keys.key(SCOPE.session(id), part);
  }

  private callerKey(key: string, part: 'val' | 'lock' | 'once'): string {
    return this.keys.key(SCOPE.caller(key), part);
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      const reason = (err as Error).message;
      if (reachabilityFault(err as Error)) this.reach.suspect(reason);
      throw new StoreUnavailable(reason);
    }
  }
}

/**
 * Whether a failed command says Redis may be out of reach (no connection, a
 * timeout, a cluster or failover in progress), rather than that it refused
 * this command (NOPERM, a script error): only the former is worth probing
 * and resyncing for; the latter would repeat on every retry.
 */
function reachabilityFault(err: Error): boolean {
  if (err.name !== 'ReplyError') return true;
  return /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY|MOVED|ASK)\b/.test(err.message);
}

/** A record as hash field/value pairs, each value JSON; with `keepUndefined`, an undefined value becomes '' (delete the field). */
function fieldPairs(record: object, keepUndefined = false): string[] {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined && !keepUndefined) continue;
    pairs.push(k, v === undefined ? '' : JSON.stringify(v));
  }
  return pairs;
}

function fieldMap(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}
