/**
 * The node's recent activity, as its workers report it (src/observe/activity.ts):
 * rings of recent requests and log lines (numbered here, so a reader's
 * `after` cursor covers every worker of the node), each worker's latest
 * counters, and a once-a-second sample of the totals from which request
 * rates are computed.
 */
import { RecentRing } from '../observe/recent-ring.js';
import type { FeedBatch, LogEntry, RequestEntry, WorkerCounters } from '../observe/activity.js';
import { cut } from '../observe/activity.js';
import type { MetricsSummary } from '../ipc/admin-protocol.js';
import { ADMIN_RATE_WINDOW_MS, RECENT_LOG_LINES_RING_ENTRIES, RECENT_REQUESTS_RING_ENTRIES } from '../observe/defaults.js';

interface Sample {
  at: number;
  requests: number;
  errors: number;
}

/** How often the totals are sampled for rates. */
const SAMPLE_EVERY_MS = 1_000;

/** The admin API's summary, plus what the workers dropped before handing entries over (bursts faster than a flush). */
export interface NodeSummary extends MetricsSummary {
  dropped: number;
}

export class NodeActivity {
  readonly requests = new RecentRing<RequestEntry>(RECENT_REQUESTS_RING_ENTRIES);
  readonly logs = new RecentRing<LogEntry>(RECENT_LOG_LINES_RING_ENTRIES);
  private readonly counters = new Map<number, WorkerCounters>();
  /** Totals of workers that were replaced, so the node's counts never go backwards. */
  private readonly retired: WorkerCounters = emptyCounters();
  private dropped = 0;
  private samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly windowMs = ADMIN_RATE_WINDOW_MS) {
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  feed(worker: number, batch: FeedBatch): void {
    for (const entry of batch.requests) this.requests.push(entry);
    for (const line of batch.logs) this.logs.push(line);
    this.dropped += batch.dropped;
    this.counters.set(worker, batch.counters);
  }

  /** The primary's own log lines. */
  log(level: string, msg: string, time: number, fields?: LogEntry['fields']): void {
    this.logs.push({ time, level, msg: cut(msg), ...(fields ? { fields } : {}) });
  }

  /** A worker exited: its counts so far stay in the node's totals; its in-flight calls are gone. */
  workerGone(worker: number): void {
    const last = this.counters.get(worker);
    if (!last) return;
    this.counters.delete(worker);
    add(this.retired, { ...last, servers: Object.fromEntries(Object.entries(last.servers).map(([k, v]) => [k, { ...v, inflight: 0 }])), sessions: 0 });
  }

  totals(): WorkerCounters {
    const sum = emptyCounters();
    add(sum, this.retired);
    for (const c of this.counters.values()) add(sum, c);
    return sum;
  }

  summary(now = Date.now()): NodeSummary {
    const totals = this.totals();
    const since = now - this.windowMs;
    const first = this.samples.find((s) => s.at >= since) ?? { at: now, requests: totals.requests, errors: totals.errors };
    const seconds = Math.max(1, (now - first.at) / 1000);
    const windowRequests = totals.requests - first.requests;
    const windowErrors = totals.errors - first.errors;
    const latencies = this.requests
      .all()
      .filter((r) => r.time >= since)
      .map((r) => r.latencyMs)
      .sort((a, b) => a - b);
    const { hits, misses } = totals.cache;
    return {
      requests: {
        total: totals.requests,
        errors: totals.errors,
        perSecond: round(windowRequests / seconds),
        errorRate: windowRequests > 0 ? round(windowErrors / windowRequests) : 0,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        windowSeconds: this.windowMs / 1000,
      },
      sessions: { active: totals.sessions },
      cache: { hits, misses, hitRate: hits + misses > 0 ? round(hits / (hits + misses)) : 0 },
      servers: totals.servers,
      dropped: this.dropped,
    };
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = Date.now();
    const t = this.totals();
    this.samples.push({ at: now, requests: t.requests, errors: t.errors });
    // One sample past the window stays, so a full window can always be measured.
    const keep = Math.ceil(this.windowMs / SAMPLE_EVERY_MS) + 2;
    if (this.samples.length > keep) this.samples = this.samples.slice(-keep);
  }
}

function emptyCounters(): WorkerCounters {
  return { requests: 0, errors: 0, servers: {}, cache: { hits: 0, misses: 0 }, sessions: 0 };
}

function add(into: WorkerCounters, c: WorkerCounters): void {
  into.requests += c.requests;
  into.errors += c.errors;
  into.sessions += c.sessions;
  into.cache.hits += c.cache.hits;
  into.cache.misses += c.cache.misses;
  for (const [name, s] of Object.entries(c.servers)) {
    const t = (into.servers[name] ??= { requests: 0, errors: 0, inflight: 0 });
    t.requests += s.requests;
    t.errors += s.errors;
    t.inflight += s.inflight;
  }
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
