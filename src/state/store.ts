/**
 * The shared-state interface: what must survive a change of worker or node.
 *
 * - sessions: 2025-era session records (workers keep a near cache,
 *   invalidated through the session's bus channel);
 * - the per-session event log that makes SSE streams resumable anywhere;
 * - a bus (pub/sub) for messages between workers and nodes: events of a
 *   stream for whoever holds it, clients' answers for whoever asked,
 *   cancellations for whoever runs the request;
 * - cached values with locks for coalescing (list cache);
 * - circuit-breaker state per backend (or per replica);
 * - health of replicas, as the active probes of every node judged it;
 * - rate-limit token buckets.
 *
 * Every key carries a TTL set in the same command that writes it, so a
 * crash between two commands never leaves a key behind forever.
 *
 * MemoryStore serves one process (the embedded default without redis-server,
 * and unit tests); RedisStore serves clusters. Calls reject with
 * StoreUnavailable when the store cannot be reached in time; callers fall
 * back to local state where that gives a correct answer.
 */
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { LogLevel } from '../mcp/versions.js';
import type { ContextMode } from '../config/model.js';

export interface SessionRecord {
  id: string;
  protocolVersion: string;
  capabilities: JsonObject;
  clientInfo: JsonObject;
  principal: string;
  /** 'streamable' (POST/GET /mcp) or 'sse' (legacy /sse + /messages). */
  transport: 'streamable' | 'sse';
  logLevel: LogLevel | undefined;
  initialized: boolean;
  createdAt: number;
  /** Id of the session's standalone (GET) stream: the same on every worker. */
  standaloneStream: string;
  /** What tools/list shows this session (decided at initialize). */
  contextMode: ContextMode;
  /** The mode the client asked for when opening its transport (legacy SSE: on GET /sse, before initialize). */
  askedContextMode?: ContextMode | undefined;
  /** The search-mode working set (src/context/working-set.ts JSON), kept with the session so any worker has it. */
  workingSet?: unknown;
  /**
   * The client's own backend session of each isolated server (an UpstreamRef,
   * src/backends/link.ts). One field per server, so workers opening different
   * servers for one client at once never overwrite each other.
   */
  [upstream: `up:${string}`]: JsonObject | undefined;
}

export interface StoredEvent {
  /** `<streamId>_<position>`: the SSE id a client echoes in Last-Event-ID. */
  id: string;
  data: string;
}

/**
 * What a Last-Event-ID resumes. `lost`: the log no longer holds that event
 * and is full, so the cap may have dropped events after it; replaying the
 * rest would skip them silently, so the caller refuses instead.
 */
export interface Replay {
  streamId: string;
  events: StoredEvent[];
  lost: boolean;
}

export class StoreUnavailable extends Error {
  constructor(reason: string) {
    super(`shared state store unavailable: ${reason}`);
    this.name = 'StoreUnavailable';
  }
}

export type BusHandler = (message: BusMessage) => void;

/** What travels on a bus channel (session channels and worker channels). */
export type BusMessage =
  | { t: 'event'; streamId: string; id: string; data: string }
  | { t: 'answer'; response: JsonObject }
  | { t: 'cancel'; requestId: string | number }
  | { t: 'record' }
  | { t: 'ended' }
  | { t: 'resume'; handle: string; round?: number; inputResponses: unknown; rid: string; replyTo: string }
  | { t: 'resumed'; rid: string; result?: JsonObject; error?: JsonObject; notification?: JsonObject }
  | { t: 'resume-cancel'; rid: string }
  | { t: 'breaker'; backend: string; state: BreakerSnapshot }
  | { t: 'health'; replica: string; state: HealthSnapshot }
  | { t: 'list'; key: string }
  /** An operator's action taken on one node, for every other node's primary (src/primary/admin-actions.ts). */
  | { t: 'admin'; action: 'restart' | 'disable' | 'enable' | 'reload'; server?: string; origin: string }
  /** A scoped backend operation for the worker that holds the scope's backend session (src/gateway/scope-relay.ts). */
  | { t: 'rcall'; rid: string; replyTo: string; b: string; ri?: string; scope: JsonObject; op: 'call' | 'notify' | 'level' | 'sub' | 'unsub' | 'release'; m?: string; p?: JsonObject; g?: string; lv?: string; timeoutMs?: number; mt?: number; uri?: string; cr?: JsonObject }
  | { t: 'rnote'; rid: string; n: JsonObject }
  | { t: 'rask'; rid: string; aid: number; m: string; p?: JsonObject }
  | { t: 'ranswer'; rid: string; aid: number; r?: JsonObject; e?: JsonObject }
  | { t: 'rdone'; rid: string; r?: JsonObject; e?: JsonObject }
  | { t: 'rcancel'; rid: string };

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSnapshot {
  state: BreakerState;
  /** When an open circuit may let a probe through (ms since epoch). */
  until: number;
  failures: number;
}

export interface BreakerPolicy {
  /** Consecutive backend faults that open the circuit. */
  threshold: number;
  /** How long the circuit stays open before one probe is let through. */
  openMs: number;
}

/** A token bucket's shape: at most `capacity` tokens, refilled continuously at `refillPerMs`. */
export interface TokenBucketSpec {
  readonly capacity: number;
  readonly refillPerMs: number;
}

export interface TokenBucketResult {
  readonly allowed: boolean;
  /** Tokens taken: between `need` and `want` when allowed, else 0. */
  readonly taken: number;
  /** Whole tokens left after this take. */
  readonly remaining: number;
  /** When refused: how long until the bucket holds the cost. 0 when allowed. */
  readonly retryAfterMs: number;
}

/** unknown: never probed (or its record expired); routing treats it as healthy. */
export type HealthState = 'unknown' | 'healthy' | 'unhealthy';

export interface HealthSnapshot {
  state: HealthState;
  /** Consecutive passing probes (0 after a failure). */
  passes: number;
  /** Consecutive failing probes (0 after a pass). */
  failures: number;
  /** When the state last changed (ms since epoch; 0 for unknown). */
  since: number;
}

export interface HealthPolicy {
  /** Passes in a row that bring an unhealthy replica back (an unknown one needs one). */
  healthyThreshold: number;
  /** Failures in a row that take a replica out. */
  unhealthyThreshold: number;
  /** The record expires this long after the last probe (probers gone: back to unknown). */
  ttlMs: number;
}

export interface StateStore {
  readonly kind: 'memory' | 'redis';
  /** False while the store cannot be reached (the gateway is degraded). */
  readonly healthy: boolean;
  onHealth(listener: (healthy: boolean, reason?: string) => void): void;
  /** Resolves true once the store can be reached, false if it still cannot after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;

  getSession(id: string): Promise<SessionRecord | undefined>;
  putSession(record: SessionRecord, idleMs: number): Promise<void>;
  /**
   * Writes the fields in `patch` only (a field set to undefined is removed),
   * so concurrent changes of different fields by different workers all land;
   * a record the store lost is written whole from `record`.
   */
  patchSession(record: SessionRecord, patch: Partial<SessionRecord>, idleMs: number): Promise<void>;
  /** Writes the record only if the store has none (a store that lost its data gets back what a worker holds, never over a newer copy). */
  restoreSession(record: SessionRecord, idleMs: number): Promise<void>;
  deleteSession(id: string): Promise<void>;
  /** Refreshes the session's idle expiry. */
  touchSession(id: string, idleMs: number): Promise<void>;

  /**
   * Appends an event to the session's log and publishes it on the session's
   * channel, atomically. `position` orders a single-producer stream; without
   * one the store assigns a position (multi-producer standalone streams).
   * Resolves with the event id.
   */
  appendEvent(sessionId: string, streamId: string, data: string, position?: number): Promise<string>;
  /**
   * Events of the stream named in `lastEventId` after it; undefined when the
   * log knows neither that stream nor has dropped anything (an id it never
   * issued, or a log that expired with its session).
   */
  eventsAfter(sessionId: string, lastEventId: string): Promise<Replay | undefined>;

  /** Resolves with how many subscribers (processes) received it: 0 means nobody is listening there. */
  publish(channel: string, message: BusMessage): Promise<number>;
  subscribe(channel: string, handler: BusHandler): () => void;

  /**
   * True for the first caller to claim `key` within `ttlMs`, false for the
   * others (SET NX PX): one of several workers does a thing once.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;

  /** A cached value, or undefined. */
  getCached(key: string): Promise<string | undefined>;
  setCached(key: string, value: string, ttlMs: number): Promise<void>;
  /** SET NX PX: true when this caller now holds the lock. */
  tryLock(key: string, ttlMs: number): Promise<boolean>;
  unlock(key: string): Promise<void>;

  /** Applies a breaker event atomically and returns the new state. */
  breaker(backend: string, event: 'failure' | 'success' | 'probe', policy: BreakerPolicy, now: number): Promise<BreakerSnapshot & { granted?: boolean }>;

  /**
   * Takes up to `want` tokens, at least `need` (default: want), from the
   * bucket `key`, or none; a negative `want` gives tokens back. Atomic, one
   * round trip, one key (so one Redis Cluster slot). The store's clock times
   * refills, so nodes with skewed clocks share one bucket. Rules:
   * src/state/token-bucket.ts.
   */
  takeTokens(key: string, spec: TokenBucketSpec, want: number, need?: number): Promise<TokenBucketResult>;

  /**
   * Applies one probe result to a replica's health atomically (every node's
   * prober writes to the same record) and, when the state changed, publishes
   * the new snapshot on HEALTH_CHANNEL. `replica` is the replica key
   * (src/policy/replica-set.ts replicaKey).
   */
  healthProbe(replica: string, ok: boolean, policy: HealthPolicy, now: number): Promise<HealthSnapshot & { changed: boolean }>;
  /** The snapshots of these replicas, in order (unknown where none is kept). */
  health(replicas: readonly string[]): Promise<HealthSnapshot[]>;

  close(): Promise<void>;
}

/*
 * Logical channel names. A store maps them to its own names: RedisStore to
 * `<prefix>{<name>}` (src/state/redis/key-space.ts, where the name is the
 * cluster hash tag shared with the keys of the same scope).
 */
export function sessionChannel(sessionId: string): string {
  return `s:${sessionId}`;
}

export function workerChannel(workerId: string): string {
  return `w:${workerId}`;
}

export const BREAKER_CHANNEL = 'br';
export const LIST_CHANNEL = 'list';
export const HEALTH_CHANNEL = 'hc';
export const ADMIN_CHANNEL = 'adm';

export function parseEventId(id: string): { streamId: string; position: string } | undefined {
  const cut = id.lastIndexOf('_');
  if (cut <= 0 || cut === id.length - 1) return undefined;
  return { streamId: id.slice(0, cut), position: id.slice(cut + 1) };
}

/** Orders event positions: plain integers (single-producer) or Redis entry ids `ms-seq`. */
export function comparePositions(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}
