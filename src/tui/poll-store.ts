/**
 * What the TUI shows, polled from the admin API: one round of requests every
 * interval (the next round is scheduled when the previous one has ended, so a
 * slow gateway is never asked twice at once), kept in an immutable snapshot
 * that React reads through subscribe/getSnapshot. Recent requests and log
 * lines are fetched incrementally (?after=<last seq>) into bounded rings.
 *
 * Failure is data here, never an exception: a gateway that does not answer
 * makes the snapshot "disconnected" and the next round retries; a route that
 * answers with an error (an older gateway without it, a 403) is named in
 * `problems` while the others keep updating.
 */
import type { AdminApi, LogLine, MetricsSummary, RecentRequest, ServerAction, ServerInfo, SystemInfo } from './admin-api.js';
import { UnreachableError } from './http-admin-api.js';
import { TUI_HISTORY_POINTS, TUI_LOG_LINES_KEPT, TUI_PAGE_LIMIT, TUI_POLL_INTERVAL_MS, TUI_REQUESTS_KEPT } from './defaults.js';

export interface Snapshot {
  /** The last round reached the gateway. */
  connected: boolean;
  /** At least one round reached it since the TUI started. */
  everConnected: boolean;
  /** Why the last round did not reach the gateway ('' when it did). */
  unreachable: string;
  /** Routes that answered with an error in the last round, with the error. */
  problems: string[];
  /** Epoch ms of the last round that reached the gateway. */
  updatedAt: number | undefined;
  servers: ServerInfo[];
  /** Requests per second per server, from the change of its request count between two rounds. */
  serverRates: Readonly<Record<string, number>>;
  system: SystemInfo | undefined;
  metrics: MetricsSummary | undefined;
  sessions: number | undefined;
  /** Oldest first, at most TUI_REQUESTS_KEPT. */
  requests: readonly RecentRequest[];
  /** Oldest first, at most TUI_LOG_LINES_KEPT. */
  logs: readonly LogLine[];
  /** One point per round with metrics, oldest first, at most TUI_HISTORY_POINTS. */
  history: { perSecond: readonly number[]; errorRate: readonly number[]; hitRate: readonly number[] };
}

export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({
  connected: false,
  everConnected: false,
  unreachable: '',
  problems: [],
  updatedAt: undefined,
  servers: [],
  serverRates: {},
  system: undefined,
  metrics: undefined,
  sessions: undefined,
  requests: [],
  logs: [],
  history: { perSecond: [], errorRate: [], hitRate: [] },
});

export interface PollStoreOptions {
  intervalMs?: number;
  /** The clock for rates (tests pass their own). */
  now?: () => number;
}

const ROUTES = ['servers', 'metrics', 'system', 'sessions', 'requests/recent', 'logs/recent'] as const;

export class PollStore {
  private snapshot: Snapshot = EMPTY_SNAPSHOT;
  private readonly listeners = new Set<() => void>();
  private readonly intervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<void> | undefined;
  private requestCursor = 0;
  private logCursor = 0;
  /** Request totals per server at the previous round, and when: the base of serverRates. */
  private lastTotals: { at: number; totals: Map<string, number> } | undefined;

  constructor(
    private readonly api: AdminApi,
    options: PollStoreOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? TUI_POLL_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): Snapshot => this.snapshot;

  /** Polls now and then every interval until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A round now (`r`); the one in flight when there is one. */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    clearTimeout(this.timer);
    return this.loop();
  }

  /** One round, whatever the schedule (tests; refresh()). */
  pollOnce(): Promise<void> {
    this.inFlight ??= this.round().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * Asks the gateway to restart, disable or enable a server; resolves with a
   * line for the status bar saying what happened (never rejects), then
   * refreshes so the server's new state shows.
   */
  async act(server: string, action: ServerAction): Promise<string> {
    let outcome: string;
    try {
      const status = await this.api.act(server, action);
      outcome = `${action} ${server}: accepted (HTTP ${status})`;
    } catch (err) {
      outcome = `${action} ${server} failed: ${(err as Error).message}`;
    }
    await this.refresh();
    return outcome;
  }

  private async loop(): Promise<void> {
    await this.pollOnce();
    if (this.running) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.loop(), this.intervalMs);
    }
  }

  private async round(): Promise<void> {
    const [servers, metrics, system, sessions, requests, logs] = await Promise.allSettled([
      this.api.servers(),
      this.api.metrics(),
      this.api.system(),
      this.api.sessions(),
      this.api.recentRequests(this.requestCursor, TUI_PAGE_LIMIT),
      this.api.recentLogs(this.logCursor, TUI_PAGE_LIMIT),
    ] as const);
    const results = [servers, metrics, system, sessions, requests, logs];
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    const prev = this.snapshot;
    if (rejected.length === results.length && rejected.every((e) => e instanceof UnreachableError)) {
      this.publish({ ...prev, connected: false, unreachable: (rejected[0] as Error).message });
      return;
    }
    const problems = results.flatMap((r, i) => (r.status === 'rejected' ? [`${ROUTES[i]}: ${messageOf(r.reason)}`] : []));
    const value = <T>(r: PromiseSettledResult<T>, fallback: T): T => (r.status === 'fulfilled' ? r.value : fallback);

    const nextSystem = value(system, prev.system);
    // A restarted gateway numbers its requests and log lines from the start again.
    const restarted = prev.system !== undefined && nextSystem !== undefined && nextSystem.uptimeSeconds < prev.system.uptimeSeconds;
    // So does one that came back after a gap, for all we know. Either way this
    // round asked with the old cursors: drop its entries and ask from 0 next round.
    const startOver = restarted || (prev.everConnected && !prev.connected);
    let keptRequests = prev.requests;
    let keptLogs = prev.logs;
    let newRequests = value(requests, []);
    let newLogs = value(logs, []);
    if (startOver) {
      this.requestCursor = 0;
      this.logCursor = 0;
      keptRequests = keptLogs = [];
      newRequests = newLogs = [];
    }
    this.requestCursor = Math.max(this.requestCursor, ...newRequests.map((r) => r.seq));
    this.logCursor = Math.max(this.logCursor, ...newLogs.map((l) => l.seq));

    const nextMetrics = value(metrics, prev.metrics);
    const nextServers = value(servers, prev.servers);
    const gotMetrics = metrics.status === 'fulfilled';
    this.publish({
      connected: true,
      everConnected: true,
      unreachable: '',
      problems,
      updatedAt: this.now(),
      servers: nextServers,
      serverRates: this.rates(nextServers, gotMetrics ? nextMetrics : undefined),
      system: nextSystem,
      metrics: nextMetrics,
      sessions: value(sessions, prev.sessions),
      requests: appendCapped(keptRequests, newRequests, TUI_REQUESTS_KEPT),
      logs: appendCapped(keptLogs, newLogs, TUI_LOG_LINES_KEPT),
      history:
        gotMetrics && nextMetrics
          ? {
              perSecond: appendCapped(prev.history.perSecond, [nextMetrics.requests.perSecond], TUI_HISTORY_POINTS),
              errorRate: appendCapped(prev.history.errorRate, [nextMetrics.requests.errorRate], TUI_HISTORY_POINTS),
              hitRate: appendCapped(prev.history.hitRate, [nextMetrics.cache.hitRate], TUI_HISTORY_POINTS),
            }
          : prev.history,
    });
  }

  /** Per-server request rates from the totals now and at the previous round (metrics, else the server list). */
  private rates(servers: readonly ServerInfo[], metrics: MetricsSummary | undefined): Record<string, number> {
    const totals = new Map<string, number>();
    for (const s of servers) totals.set(s.name, s.requests.total);
    for (const [name, r] of Object.entries(metrics?.servers ?? {})) totals.set(name, r.total);
    const at = this.now();
    const before = this.lastTotals;
    this.lastTotals = { at, totals };
    const rates: Record<string, number> = {};
    if (!before || at <= before.at) return rates;
    for (const [name, total] of totals) {
      const was = before.totals.get(name);
      // A server restarted with the gateway counts from zero: no rate rather than a negative one.
      if (was !== undefined && total >= was) rates[name] = ((total - was) * 1000) / (at - before.at);
    }
    return rates;
  }

  private publish(next: Snapshot): void {
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `kept` then `added`, the oldest dropped beyond `max`. */
function appendCapped<T>(kept: readonly T[], added: readonly T[], max: number): T[] {
  if (added.length === 0) return kept as T[];
  const all = kept.length + added.length > max ? [...kept.slice(Math.max(0, kept.length + added.length - max)), ...added] : [...kept, ...added];
  return all.length > max ? all.slice(all.length - max) : all;
}
