/**
 * StateStore on Redis (ioredis).
 *
 * Built to never stall the gateway behind a dead connection: no offline
 * queue (a command while disconnected fails at once), a bounded command
 * timeout, and reconnection forever in the background. Subscriptions live
 * on a second connection that re-subscribes by itself after a reconnect.
 * Callers get StoreUnavailable and fall back to local state.
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { SESSION_EVENT_LOG_MAX_EVENTS, SESSION_IDLE_TIMEOUT_MS } from '../../config/defaults.js';
import { APPEND_EVENT, BREAKER, HEALTH, SESSION_PATCH, SESSION_PUT, TOKEN_BUCKET, UNLOCK } from './scripts.js';
import { UNKNOWN_HEALTH } from '../health-rules.js';
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
  type BusMessage,
  type SessionRecord,
  type StateStore,
  type StoredEvent,
  type Replay,
  type TokenBucketResult,
  type TokenBucketSpec,
} from '../store.js';

/** A Redis command that takes longer than this fails; the gateway answers from local state instead. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect delay grows to this ceiling and stays there, forever. */
export const REDIS_RECONNECT_MAX_MS = 2_000;
/** Breaker state outlives any open period many times over, then expires with no traffic. */
const BREAKER_TTL_MS = 24 * 3_600_000;
/** An event log lives as long as its session: both expire after this much idleness, and activity renews both. */
const DEFAULT_LOG_TTL_MS = SESSION_IDLE_TIMEOUT_MS;

type Scripted = Redis & {
  appendEvent(log: string, streamId: string, position: string, data: string, maxLen: number, ttlMs: number, channel: string): Promise<string>;
  breakerEvent(key: string, event: string, threshold: number, openMs: number, now: number, ttlMs: number, channel: string, backend: string): Promise<[string, string, string, number]>;
  unlockOwned(key: string, token: string): Promise<number>;
  healthProbe(key: string, ok: number, healthyThreshold: number, unhealthyThreshold: number, now: number, ttlMs: number, channel: string, replica: string): Promise<[string, string, string, string, number]>;
  sessionPut(key: string, ttlMs: number, mode: 'replace' | 'if-absent', ...pairs: string[]): Promise<number>;
  sessionPatch(key: string, ttlMs: number, patched: number, ...pairs: string[]): Promise<number>;
  tokenBucket(key: string, capacity: number, refillPerMs: number, want: number, need: number): Promise<[number, number, number]>;
};

export function redisOptions(url: string): { url?: string; options: RedisOptions } {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(50 * 2 ** times, REDIS_RECONNECT_MAX_MS),
    lazyConnect: false,
  };
  if (url.startsWith('unix://')) return { options: { ...options, path: url.slice('unix://'.length) } };
  return { url, options };
}

function connect(url: string, overrides: RedisOptions = {}): Redis {
  const { url: u, options } = redisOptions(url);
  return u ? new Redis(u, { ...options, ...overrides }) : new Redis({ ...options, ...overrides });
}

export class RedisStore implements StateStore {
  readonly kind = 'redis' as const;
  private readonly redis: Scripted;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private readonly healthListeners: Array<(healthy: boolean, reason?: string) => void> = [];
  private readonly lockTokens = new Map<string, string>();
  private up = false;

  constructor(url: string, private readonly prefix = 'o1m:', private readonly maxEvents = SESSION_EVENT_LOG_MAX_EVENTS) {
    this.redis = connect(url) as Scripted;
    this.redis.defineCommand('appendEvent', { numberOfKeys: 1, lua: APPEND_EVENT });
    this.redis.defineCommand('breakerEvent', { numberOfKeys: 1, lua: BREAKER });
    this.redis.defineCommand('unlockOwned', { numberOfKeys: 1, lua: UNLOCK });
    this.redis.defineCommand('healthProbe', { numberOfKeys: 1, lua: HEALTH });
    this.redis.defineCommand('sessionPut', { numberOfKeys: 1, lua: SESSION_PUT });
    this.redis.defineCommand('sessionPatch', { numberOfKeys: 1, lua: SESSION_PATCH });
    this.redis.defineCommand('tokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
    // Subscribe commands may wait for the connection, however long: they are on no request's path,
    // and a worker that starts while Redis is away must still be subscribed once it is back
    // (with the main connection's maxRetriesPerRequest 0, each failed reconnect would drop them).
    this.sub = connect(url, { enableOfflineQueue: true, commandTimeout: undefined, maxRetriesPerRequest: null });
    this.sub.on('message', (channel: string, payload: string) => this.dispatch(channel, payload));
    // Every (re)connection subscribes to every channel with a handler: idempotent, and covers any
    // subscription a reconnect did not restore.
    this.sub.on('ready', () => {
      if (this.handlers.size > 0) void this.sub.subscribe(...this.handlers.keys()).catch(() => undefined);
    });
    this.redis.on('ready', () => this.setHealth(true));
    this.redis.on('close', () => this.setHealth(false, 'connection closed'));
    this.redis.on('error', (err: Error) => this.setHealth(false, err.message));
    this.sub.on('error', () => undefined);
  }

  get healthy(): boolean {
    return this.up;
  }

  onHealth(listener: (healthy: boolean, reason?: string) => void): void {
    this.healthListeners.push(listener);
  }

  /** True once connected; false when still not connected after `timeoutMs` (a starting worker then serves degraded). */
  ready(timeoutMs = REDIS_CONNECT_TIMEOUT_MS): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const fields = await this.run(() => this.redis.hgetall(this.key('sess', id)));
    const entries = Object.entries(fields);
    if (entries.length === 0) return undefined;
    return Object.fromEntries(entries.map(([k, v]) => [k, JSON.parse(v) as unknown])) as unknown as SessionRecord;
  }

  async putSession(record: SessionRecord, idleMs: number): Promise<void> {
    await this.run(() => this.redis.sessionPut(this.key('sess', record.id), idleMs, 'replace', ...fieldPairs(record)));
  }

  async restoreSession(record: SessionRecord, idleMs: number): Promise<void> {
    await this.run(() => this.redis.sessionPut(this.key('sess', record.id), idleMs, 'if-absent', ...fieldPairs(record)));
  }

  async patchSession(record: SessionRecord, patch: Partial<SessionRecord>, idleMs: number): Promise<void> {
    const changed = fieldPairs(patch, true);
    await this.run(() => this.redis.sessionPatch(this.key('sess', record.id), idleMs, changed.length / 2, ...changed, ...fieldPairs(record)));
  }

  async deleteSession(id: string): Promise<void> {
    await this.run(() => this.redis.del(this.key('sess', id), this.key('log', id)));
  }

  async touchSession(id: string, idleMs: number): Promise<void> {
    // The log too: a session busy with plain JSON answers appends no events, and its streams must stay resumable.
    await this.run(() => this.redis.multi().pexpire(this.key('sess', id), idleMs).pexpire(this.key('log', id), Math.max(idleMs, DEFAULT_LOG_TTL_MS)).exec());
  }

  async appendEvent(sessionId: string, streamId: string, data: string, position?: number): Promise<string> {
    return this.run(() =>
      this.redis.appendEvent(this.key('log', sessionId), streamId, position === undefined ? '' : String(position), data, this.maxEvents, DEFAULT_LOG_TTL_MS, this.channel(sessionChannel(sessionId))),
    );
  }

  async eventsAfter(sessionId: string, lastEventId: string): Promise<Replay | undefined> {
    const parsed = parseEventId(lastEventId);
    if (!parsed) return undefined;
    const entries = await this.run(() => this.redis.xrange(this.key('log', sessionId), '-', '+'));
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
    return this.run(() => this.redis.publish(this.channel(channel), JSON.stringify(message)));
  }

  subscribe(channel: string, handler: BusHandler): () => void {
    const name = this.channel(channel);
    let set = this.handlers.get(name);
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
      void this.sub.subscribe(name).catch(() => undefined);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(name) === set) {
        this.handlers.delete(name);
        void this.sub.unsubscribe(name).catch(() => undefined);
      }
    };
  }

  async getCached(key: string): Promise<string | undefined> {
    return (await this.run(() => this.redis.get(this.key('c', key)))) ?? undefined;
  }

  async setCached(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.set(this.key('c', key), value, 'PX', ttlMs));
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    const token = randomBytes(9).toString('base64url');
    const ok = await this.run(() => this.redis.set(this.key('lock', key), token, 'PX', ttlMs, 'NX'));
    if (ok !== 'OK') return false;
    this.lockTokens.set(key, token);
    return true;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.run(() => this.redis.set(this.key('once', key), '1', 'PX', ttlMs, 'NX'))) === 'OK';
  }

  async unlock(key: string): Promise<void> {
    const token = this.lockTokens.get(key);
    if (token === undefined) return;
    this.lockTokens.delete(key);
    await this.run(() => this.redis.unlockOwned(this.key('lock', key), token));
  }

  async breaker(backend: string, event: 'failure' | 'success' | 'probe', policy: BreakerPolicy, now: number): Promise<BreakerSnapshot & { granted?: boolean }> {
    const [state, until, failures, granted] = await this.run(() =>
      this.redis.breakerEvent(this.key('br', backend), event, policy.threshold, policy.openMs, now, BREAKER_TTL_MS, this.channel(BREAKER_CHANNEL), backend),
    );
    return { state: state as BreakerSnapshot['state'], until: Number(until), failures: Number(failures), granted: granted === 1 };
  }

  /**
   * One key per bucket, its id inside a hash tag ("o1m:rl:{id}"): a Redis
   * Cluster keeps the whole bucket in one slot, and the script touches no
   * other key. Several buckets of one call are several commands sent at once
   * (pipelined by the connection), still one round trip.
   */
  async takeTokens(key: string, spec: TokenBucketSpec, want: number, need = want): Promise<TokenBucketResult> {
    const [taken, remaining, retryAfterMs] = await this.run(() => this.redis.tokenBucket(this.key('rl', `{${key}}`), spec.capacity, spec.refillPerMs, want, need));
    return { allowed: want <= 0 || taken > 0, taken, remaining, retryAfterMs };
  }

  async healthProbe(replica: string, ok: boolean, policy: HealthPolicy, now: number): Promise<HealthSnapshot & { changed: boolean }> {
    const [state, passes, failures, since, changed] = await this.run(() =>
      this.redis.healthProbe(this.key('hc', replica), ok ? 1 : 0, policy.healthyThreshold, policy.unhealthyThreshold, now, policy.ttlMs, this.channel(HEALTH_CHANNEL), replica),
    );
    return { state: state as HealthSnapshot['state'], passes: Number(passes), failures: Number(failures), since: Number(since), changed: changed === 1 };
  }

  async health(replicas: readonly string[]): Promise<HealthSnapshot[]> {
    if (replicas.length === 0) return [];
    // One single-key read per replica, pipelined: one round trip, and each key may live in its own cluster slot.
    const pipeline = this.redis.pipeline();
    for (const r of replicas) pipeline.hmget(this.key('hc', r), 'state', 'passes', 'failures', 'since');
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
    this.sub.disconnect();
    this.redis.disconnect();
  }

  /** Keys of this gateway, for tests and tooling (SCAN, never KEYS). */
  async keys(): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.run(() => this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000));
      cursor = next;
      out.push(...batch);
    } while (cursor !== '0');
    return out;
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }

  /** Channels share the key prefix so two gateways on one Redis (different prefixes) never cross. */
  private channel(name: string): string {
    return name.startsWith(this.prefix) ? name : `${this.prefix}${name.replace(/^o1m:/, '')}`;
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw new StoreUnavailable((err as Error).message);
    }
  }

  private dispatch(channel: string, payload: string): void {
    const handlers = this.handlers.get(channel);
    if (!handlers) return;
    let message: BusMessage;
    try {
      message = JSON.parse(payload) as BusMessage;
    } catch {
      return;
    }
    for (const handler of handlers) handler(message);
  }

  private setHealth(up: boolean, reason?: string): void {
    if (this.up === up) return;
    this.up = up;
    for (const listener of this.healthListeners) listener(up, reason);
  }
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
