/**
 * What a worker did recently, for the admin API: each finished request (no
 * arguments, no results), each log line, and running counters (requests,
 * errors, calls in flight per server, list-cache hits). A worker records
 * into plain arrays and numbers here — one push or increment on the request
 * path — and hands a batch to its primary every ADMIN_FEED_FLUSH_MS, where
 * the node's rings live (src/primary/node-admin.ts).
 */
import { ADMIN_FEED_BATCH_ENTRIES, RECENT_ENTRY_TEXT_CHARS } from './defaults.js';

export type RequestOutcome = 'ok' | 'error' | 'tool_error';

export interface RequestEntry {
  /** When the request finished (ms since epoch). */
  time: number;
  method: string;
  /** The tool or prompt name, or the resource URI, the request was about. */
  target?: string;
  latencyMs: number;
  outcome: RequestOutcome;
  /** The error's registry name (GW_ERR_*) or a backend's JSON-RPC code. */
  code?: string | number;
  principal?: string;
  worker: number;
}

export interface LogEntry {
  time: number;
  level: string;
  msg: string;
  /** The worker's index; absent for the primary's own lines. */
  worker?: number;
  /** The line's plain fields (bounded: src/observe/log.ts fieldsOf). */
  fields?: Record<string, string | number | boolean>;
}

export interface ServerCounts {
  requests: number;
  errors: number;
  inflight: number;
}

/** A worker's running totals since it started (cumulative: the primary keeps the latest per worker). */
export interface WorkerCounters {
  requests: number;
  errors: number;
  servers: Record<string, ServerCounts>;
  cache: { hits: number; misses: number };
  sessions: number;
}

export interface FeedBatch {
  requests: RequestEntry[];
  logs: LogEntry[];
  /** Entries dropped because a batch was full (a burst faster than a flush). */
  dropped: number;
  counters: WorkerCounters;
}

export function cut(text: string, max = RECENT_ENTRY_TEXT_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export class Activity {
  private requests: RequestEntry[] = [];
  private logs: LogEntry[] = [];
  private dropped = 0;
  private readonly totals = { requests: 0, errors: 0 };
  private readonly servers = new Map<string, ServerCounts>();
  /** Read at flush time (list cache counters, sessions held). */
  private sources = { cache: () => ({ hits: 0, misses: 0 }), sessions: () => 0 };

  constructor(readonly worker: number, private readonly batchEntries = ADMIN_FEED_BATCH_ENTRIES) {}

  observe(sources: Partial<Activity['sources']>): void {
    this.sources = { ...this.sources, ...sources };
  }

  request(entry: RequestEntry): void {
    if (this.count(entry.outcome)) this.record(entry);
  }

  /**
   * Counts a finished request; true when the batch has room for its entry.
   * The request path builds an entry only then: past the batch, a request
   * costs two increments.
   */
  count(outcome: RequestOutcome): boolean {
    this.totals.requests++;
    if (outcome === 'error') this.totals.errors++;
    if (this.requests.length < this.batchEntries) return true;
    this.dropped++;
    return false;
  }

  /** Keeps an entry `count` made room for. */
  record(entry: RequestEntry): void {
    this.requests.push(entry);
  }

  log(level: string, msg: string, time: number, fields?: LogEntry['fields']): void {
    if (this.logs.length >= this.batchEntries) this.dropped++;
    else this.logs.push({ time, level, msg: cut(msg), worker: this.worker, ...(fields ? { fields } : {}) });
  }

  /** A call to a backend starts; `done` when it ends. Servers are configured names, so the map stays bounded. */
  callStarted(server: string): ServerCounts {
    let counts = this.servers.get(server);
    if (!counts) {
      counts = { requests: 0, errors: 0, inflight: 0 };
      this.servers.set(server, counts);
    }
    counts.requests++;
    counts.inflight++;
    return counts;
  }

  callEnded(counts: ServerCounts, failed: boolean): void {
    counts.inflight--;
    if (failed) counts.errors++;
  }

  /** Calls in flight to a server on this worker. */
  inflight(server: string): number {
    return this.servers.get(server)?.inflight ?? 0;
  }

  /** The batch since the last take (counters always: sessions and cache move without requests). */
  take(): FeedBatch {
    const batch: FeedBatch = {
      requests: this.requests,
      logs: this.logs,
      dropped: this.dropped,
      counters: { ...this.totals, servers: Object.fromEntries(this.servers), cache: this.sources.cache(), sessions: this.sources.sessions() },
    };
    this.requests = [];
    this.logs = [];
    this.dropped = 0;
    return batch;
  }
}

/** The worker's one Activity (undefined in the primary and in CLI processes, where nothing is recorded). */
let current: Activity | undefined;

export function startActivity(worker: number): Activity {
  current = new Activity(worker);
  return current;
}

export function activity(): Activity | undefined {
  return current;
}
