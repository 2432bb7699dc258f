/**
 * In-process StateStore: one process's memory. Used by the embedded default
 * when no redis-server is available (the gateway then runs one worker, since
 * nothing here is shared between processes) and by unit tests.
 */
import { SESSION_EVENT_LOG_MAX_EVENTS } from '../config/defaults.js';
import { nextBreakerState } from './breaker-rules.js';
import { fullAfterMs, takeFromBucket, type BucketState } from './token-bucket.js';
import { UNKNOWN_HEALTH, nextHealthState } from './health-rules.js';
import {
  comparePositions,
  parseEventId,
  sessionChannel,
  BREAKER_CHANNEL,
  HEALTH_CHANNEL,
  type BreakerPolicy,
  type HealthPolicy,
  type HealthSnapshot,
  type BreakerSnapshot,
  type BusHandler,
  type BusMessage,
  type SessionRecord,
  type StateStore,
  type StoredEvent,
  type Replay,
  type TokenBucketResult,
  type TokenBucketSpec,
} from './store.js';

interface LogEntry {
  streamId: string;
  position: string;
  data: string;
}

/** How often expired entries are swept. */
const SWEEP_INTERVAL_MS = 60_000;

export class MemoryStore implements StateStore {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, { record: SessionRecord; expires: number }>();
  private readonly logs = new Map<string, LogEntry[]>();
  private readonly counters = new Map<string, number>();
  private readonly channels = new Map<string, Set<BusHandler>>();
  private readonly cache = new Map<string, { value: string; expires: number }>();
  private readonly locks = new Map<string, number>();
  private readonly breakers = new Map<string, BreakerSnapshot>();
  private readonly buckets = new Map<string, BucketState & { expires: number }>();
  private readonly healths = new Map<string, { snapshot: HealthSnapshot; expires: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly maxEvents = SESSION_EVENT_LOG_MAX_EVENTS) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Always: nothing to lose contact with. */
  get healthy(): boolean {
    return true;
  }

  onHealth(_listener: (healthy: boolean, reason?: string) => void): void {
    // Never changes.
  }

  async ready(): Promise<boolean> {
    return true;
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const entry = this.sessions.get(id);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      await this.deleteSession(id);
      return undefined;
    }
    return entry.record;
  }

  async putSession(record: SessionRecord, idleMs: number): Promise<void> {
    this.sessions.set(record.id, { record: { ...record }, expires: Date.now() + idleMs });
  }

  async patchSession(record: SessionRecord, patch: Partial<SessionRecord>, idleMs: number): Promise<void> {
    const held = this.sessions.get(record.id);
    if (!held || held.expires < Date.now()) return this.putSession(record, idleMs);
    held.record = { ...held.record, ...patch };
    held.expires = Date.now() + idleMs;
  }

  async restoreSession(record: SessionRecord, idleMs: number): Promise<void> {
    const held = this.sessions.get(record.id);
    if (!held || held.expires < Date.now()) await this.putSession(record, idleMs);
  }

  async deleteSession(id: string): Promise<void> {
    this.sessions.delete(id);
    this.forgetLog(id);
  }

  private forgetLog(sessionId: string): void {
    this.logs.delete(sessionId);
    for (const key of this.counters.keys()) if (key.startsWith(`${sessionId}\0`)) this.counters.delete(key);
  }

  async touchSession(id: string, idleMs: number): Promise<void> {
    const entry = this.sessions.get(id);
    // An expired session stays expired, as with Redis PEXPIRE on a missing key.
    if (entry && entry.expires >= Date.now()) entry.expires = Date.now() + idleMs;
  }

  async appendEvent(sessionId: string, streamId: string, data: string, position?: number): Promise<string> {
    let log = this.logs.get(sessionId);
    if (!log) {
      log = [];
      this.logs.set(sessionId, log);
    }
    const counterKey = `${sessionId}\0${streamId}`;
    const pos = position ?? (this.counters.get(counterKey) ?? 0) + 1;
    if (position === undefined) this.counters.set(counterKey, pos);
    log.push({ streamId, position: String(pos), data });
    if (log.length > this.maxEvents) log.splice(0, log.length - this.maxEvents);
    const id = `${streamId}_${pos}`;
    this.emit(sessionChannel(sessionId), { t: 'event', streamId, id, data });
    return id;
  }

  async eventsAfter(sessionId: string, lastEventId: string): Promise<Replay | undefined> {
    const parsed = parseEventId(lastEventId);
    const log = this.logs.get(sessionId);
    if (!parsed || !log) return undefined;
    const ofStream = log.filter((e) => e.streamId === parsed.streamId);
    const stillHeld = ofStream.some((e) => comparePositions(e.position, parsed.position) === 0);
    if (!stillHeld && log.length >= this.maxEvents) return { streamId: parsed.streamId, events: [], lost: true };
    if (ofStream.length === 0) return undefined;
    const events = ofStream.filter((e) => comparePositions(e.position, parsed.position) > 0).map((e) => ({ id: `${e.streamId}_${e.position}`, data: e.data }));
    return { streamId: parsed.streamId, events, lost: false };
  }

  async publish(channel: string, message: BusMessage): Promise<number> {
    // One process: it either listens on the channel or nobody does.
    const listening = this.channels.has(channel) ? 1 : 0;
    this.emit(channel, message);
    return listening;
  }

  subscribe(channel: string, handler: BusHandler): () => void {
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.channels.delete(channel);
    };
  }

  async getCached(key: string): Promise<string | undefined> {
    const entry = this.cache.get(key);
    if (!entry || entry.expires < Date.now()) return undefined;
    return entry.value;
  }

  async setCached(key: string, value: string, ttlMs: number): Promise<void> {
    this.cache.set(key, { value, expires: Date.now() + ttlMs });
  }

  // Locks have their own map: callers lock the very key they cache under (RedisStore keeps them apart by prefix).
  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    const expires = this.locks.get(key);
    if (expires !== undefined && expires >= Date.now()) return false;
    this.locks.set(key, Date.now() + ttlMs);
    return true;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return this.tryLock(`once\0${key}`, ttlMs);
  }

  async unlock(key: string): Promise<void> {
    this.locks.delete(key);
  }

  async breaker(backend: string, event: 'failure' | 'success' | 'probe', policy: BreakerPolicy, now: number): Promise<BreakerSnapshot & { granted?: boolean }> {
    const current = this.breakers.get(backend) ?? { state: 'closed', until: 0, failures: 0 };
    const next = nextBreakerState(current, event, policy, now);
    const state = { state: next.state, until: next.until, failures: next.failures };
    this.breakers.set(backend, state);
    // As the Redis script does: every breaker in the process hears a change of state.
    if (next.state !== current.state) this.emit(BREAKER_CHANNEL, { t: 'breaker', backend, state });
    return next;
  }

  async takeTokens(key: string, spec: TokenBucketSpec, want: number, need = want): Promise<TokenBucketResult> {
    const now = Date.now();
    const held = this.buckets.get(key);
    const { state, result } = takeFromBucket(held !== undefined && held.expires >= now ? held : undefined, spec, want, need, now);
    this.buckets.set(key, { ...state, expires: now + fullAfterMs(spec) });
    return result;
  }

  async healthProbe(replica: string, ok: boolean, policy: HealthPolicy, now: number): Promise<HealthSnapshot & { changed: boolean }> {
    const [current] = await this.health([replica]);
    const next = nextHealthState(current as HealthSnapshot, ok, policy, now);
    this.healths.set(replica, { snapshot: next, expires: Date.now() + policy.ttlMs });
    const changed = next.state !== (current as HealthSnapshot).state;
    if (changed) this.emit(HEALTH_CHANNEL, { t: 'health', replica, state: next });
    return { ...next, changed };
  }

  async health(replicas: readonly string[]): Promise<HealthSnapshot[]> {
    const now = Date.now();
    return replicas.map((r) => {
      const held = this.healths.get(r);
      return held && held.expires >= now ? { ...held.snapshot } : { ...UNKNOWN_HEALTH };
    });
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.channels.clear();
  }

  private emit(channel: string, message: BusMessage): void {
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    // Asynchronously, as a real bus would deliver: a publisher never runs its subscribers inline.
    queueMicrotask(() => {
      for (const handler of handlers) handler(message);
    });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.sessions) {
      if (entry.expires < now) {
        this.sessions.delete(id);
        this.forgetLog(id);
      }
    }
    for (const [key, entry] of this.cache) if (entry.expires < now) this.cache.delete(key);
    for (const [key, expires] of this.locks) if (expires < now) this.locks.delete(key);
    for (const [key, bucket] of this.buckets) if (bucket.expires < now) this.buckets.delete(key);
    for (const [key, entry] of this.healths) if (entry.expires < now) this.healths.delete(key);
  }
}
