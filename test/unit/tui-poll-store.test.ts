/**
 * The TUI's polling store against a fake AdminApi (the interface the TUI
 * depends on): what one round makes of the answers, incremental fetches into
 * bounded rings, per-server rates, a gateway that disappears and comes back,
 * and an action's outcome line.
 */
import { describe, expect, it, vi } from 'vitest';
import { PollStore } from '../../src/tui/poll-store.js';
import { UnreachableError } from '../../src/tui/http-admin-api.js';
import { AdminHttpError, type AdminApi, type LogLine, type MetricsSummary, type RecentRequest, type ServerAction, type ServerInfo, type SystemInfo } from '../../src/tui/admin-api.js';
import { TUI_HISTORY_POINTS, TUI_LOG_LINES_KEPT, TUI_PAGE_LIMIT } from '../../src/tui/defaults.js';

function server(name: string, total: number, extra: Partial<ServerInfo> = {}): ServerInfo {
  return { name, type: 'stdio', state: 'ready', era: '2025-11-25', disabled: false, disabledBy: '', tools: 2, restarts: 0, lastError: '', stderr: [], health: 'healthy', replicas: 1, requests: { total, errors: 0, inflight: 0 }, ...extra };
}

/** A gateway in memory: tests change its fields between rounds. */
class FakeApi implements AdminApi {
  readonly base = 'http://fake';
  down = false;
  missing = new Set<string>();
  uptime = 10;
  perSecond = 5;
  servers_: ServerInfo[] = [server('a', 0), server('b', 0)];
  requests_: RecentRequest[] = [];
  logs_: LogLine[] = [];
  asked: { requests: number[]; logs: number[] } = { requests: [], logs: [] };
  acted: Array<[string, ServerAction]> = [];
  refuse: string | undefined;

  private gate(route: string): void {
    if (this.down) throw new UnreachableError('ECONNREFUSED');
    if (this.missing.has(route)) throw new AdminHttpError(404, route, `GET ${route}: HTTP 404`);
  }
  async servers() {
    this.gate('servers');
    return this.servers_;
  }
  async system(): Promise<SystemInfo> {
    this.gate('system');
    return { version: '1', uptimeSeconds: this.uptime, node: 'v20', workers: 2, store: { kind: 'memory', state: 'ready' }, config: { path: '', generation: 1 } };
  }
  async metrics(): Promise<MetricsSummary> {
    this.gate('metrics');
    return { requests: { total: 0, errors: 0, perSecond: this.perSecond, errorRate: 0, p50Ms: 1, p99Ms: 2 }, sessions: { active: 3 }, cache: { hits: 3, misses: 1, hitRate: 0.75 }, servers: {} };
  }
  async sessions() {
    this.gate('sessions');
    return 3;
  }
  async recentRequests(after: number, limit: number) {
    this.gate('requests/recent');
    this.asked.requests.push(after);
    return this.requests_.filter((r) => r.seq > after).slice(0, limit);
  }
  async recentLogs(after: number, limit: number) {
    this.gate('logs/recent');
    this.asked.logs.push(after);
    return this.logs_.filter((l) => l.seq > after).slice(0, limit);
  }
  async act(name: string, action: ServerAction) {
    this.gate('act');
    if (this.refuse) throw new AdminHttpError(404, 'act', this.refuse);
    this.acted.push([name, action]);
    return 202;
  }
}

const log = (seq: number): LogLine => ({ seq, time: '', level: 'info', msg: `line ${seq}`, worker: 1 });
const request = (seq: number): RecentRequest => ({ seq, time: '', method: 'tools/call', target: 't', latencyMs: 1, outcome: 'ok', code: '', principal: '', worker: 1 });

describe('PollStore', () => {
  it('makes one snapshot of every route and tells subscribers', async () => {
    const api = new FakeApi();
    api.requests_ = [request(1), request(2)];
    api.logs_ = [log(1)];
    const store = new PollStore(api, { now: () => 1000 });
    let told = 0;
    store.subscribe(() => told++);
    await store.pollOnce();
    const snap = store.getSnapshot();
    expect(told).toBe(1);
    expect(snap).toMatchObject({ connected: true, everConnected: true, unreachable: '', problems: [], sessions: 3, updatedAt: 1000 });
    expect(snap.servers.map((s) => s.name)).toEqual(['a', 'b']);
    expect(snap.requests.map((r) => r.seq)).toEqual([1, 2]);
    expect(snap.logs.map((l) => l.seq)).toEqual([1]);
    expect(snap.history.perSecond).toEqual([5]);
  });

  it('asks only for entries after the last seq it has, and keeps at most the named number', async () => {
    const api = new FakeApi();
    const store = new PollStore(api);
    let seq = 0;
    for (let round = 0; round < Math.ceil(TUI_LOG_LINES_KEPT / TUI_PAGE_LIMIT) + 3; round++) {
      for (let i = 0; i < TUI_PAGE_LIMIT; i++) api.logs_.push(log(++seq));
      await store.pollOnce();
    }
    expect(api.asked.logs.slice(0, 3)).toEqual([0, TUI_PAGE_LIMIT, 2 * TUI_PAGE_LIMIT]);
    const logs = store.getSnapshot().logs;
    expect(logs).toHaveLength(TUI_LOG_LINES_KEPT);
    expect(logs.at(-1)!.seq).toBe(seq);
    expect(logs[0]!.seq).toBe(seq - TUI_LOG_LINES_KEPT + 1);
  });

  it('bounds the sparkline history', async () => {
    const api = new FakeApi();
    const store = new PollStore(api);
    for (let i = 0; i < TUI_HISTORY_POINTS + 5; i++) {
      api.perSecond = i;
      await store.pollOnce();
    }
    const history = store.getSnapshot().history.perSecond;
    expect(history).toHaveLength(TUI_HISTORY_POINTS);
    expect(history.at(-1)).toBe(TUI_HISTORY_POINTS + 4);
  });

  it('derives requests per second per server from the change of its count between rounds', async () => {
    const api = new FakeApi();
    let now = 0;
    const store = new PollStore(api, { now: () => now });
    await store.pollOnce();
    expect(store.getSnapshot().serverRates).toEqual({});
    api.servers_ = [server('a', 30), server('b', 0)];
    now = 2000;
    await store.pollOnce();
    expect(store.getSnapshot().serverRates).toEqual({ a: 15, b: 0 });
    // A count that went down (the gateway restarted) gives no rate, not a negative one.
    api.servers_ = [server('a', 4), server('b', 2)];
    now = 3000;
    await store.pollOnce();
    expect(store.getSnapshot().serverRates).toEqual({ b: 2 });
  });

  it('is disconnected while nothing answers, keeps what it showed, and starts the lists over when the gateway is back', async () => {
    const api = new FakeApi();
    api.logs_ = [log(1), log(2)];
    const store = new PollStore(api);
    await store.pollOnce();
    api.down = true;
    await store.pollOnce();
    const snap = store.getSnapshot();
    expect(snap).toMatchObject({ connected: false, everConnected: true, unreachable: 'ECONNREFUSED' });
    expect(snap.servers).toHaveLength(2);
    // A new gateway on the same port numbers its log from 1 again; the first round back asked after 2.
    api.down = false;
    api.logs_ = [log(1)];
    await store.pollOnce();
    expect(store.getSnapshot().connected).toBe(true);
    await store.pollOnce();
    expect(api.asked.logs).toEqual([0, 2, 0]);
    expect(store.getSnapshot().logs.map((l) => l.msg)).toEqual(['line 1']);
  });

  it('starts the lists over when the uptime goes back (a restart between two rounds)', async () => {
    const api = new FakeApi();
    api.requests_ = [request(1), request(2), request(3)];
    const store = new PollStore(api);
    await store.pollOnce();
    api.uptime = 1;
    api.requests_ = [request(1)];
    await store.pollOnce();
    await store.pollOnce();
    expect(api.asked.requests).toEqual([0, 3, 0]);
    expect(store.getSnapshot().requests.map((r) => r.seq)).toEqual([1]);
  });

  it('names the routes that answered with an error and keeps showing the others', async () => {
    const api = new FakeApi();
    api.missing = new Set(['metrics', 'logs/recent']);
    const store = new PollStore(api);
    await store.pollOnce();
    const snap = store.getSnapshot();
    expect(snap.connected).toBe(true);
    expect(snap.problems).toEqual(['metrics: GET metrics: HTTP 404', 'logs/recent: GET logs/recent: HTTP 404']);
    expect(snap.metrics).toBeUndefined();
    expect(snap.servers).toHaveLength(2);
  });

  it('acts on a server and says what happened, accepted or refused, without throwing', async () => {
    const api = new FakeApi();
    const store = new PollStore(api);
    expect(await store.act('a', 'disable')).toBe('disable a: accepted (HTTP 202)');
    expect(api.acted).toEqual([['a', 'disable']]);
    api.refuse = 'POST servers/zz/restart: HTTP 404: no server zz';
    expect(await store.act('zz', 'restart')).toBe('restart zz failed: POST servers/zz/restart: HTTP 404: no server zz');
    api.down = true;
    expect(await store.act('a', 'enable')).toBe('enable a failed: ECONNREFUSED');
  });

  it('polls at once when started, then once per interval after each round, until stopped', async () => {
    vi.useFakeTimers();
    try {
      const api = new FakeApi();
      const store = new PollStore(api, { intervalMs: 1000 });
      let rounds = 0;
      store.subscribe(() => rounds++);
      store.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(rounds).toBe(1);
      await vi.advanceTimersByTimeAsync(999);
      expect(rounds).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(rounds).toBe(2);
      // r: a round now, and the schedule starts again from it.
      await store.refresh();
      expect(rounds).toBe(3);
      await vi.advanceTimersByTimeAsync(999);
      expect(rounds).toBe(3);
      store.stop();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(rounds).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
