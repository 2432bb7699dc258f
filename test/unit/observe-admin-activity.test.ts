import { afterEach, describe, expect, it } from 'vitest';
import { RecentRing } from '../../src/observe/recent-ring.js';
import { Activity, type RequestEntry } from '../../src/observe/activity.js';
import { NodeActivity } from '../../src/primary/node-activity.js';
import { countPrincipal, OTHER_PRINCIPALS, principalRequests } from '../../src/observe/metrics.js';
import { MAX_PRINCIPAL_LABELS, RECENT_ENTRY_TEXT_CHARS } from '../../src/observe/defaults.js';

const entry = (latencyMs: number, outcome: RequestEntry['outcome'] = 'ok', time = Date.now()): RequestEntry => ({ time, method: 'tools/call', latencyMs, outcome, worker: 0 });

describe('RecentRing', () => {
  it('numbers entries from 1 and pages after a seq, oldest first', () => {
    const ring = new RecentRing<{ v: number }>(5);
    for (let v = 1; v <= 3; v++) ring.push({ v });
    expect(ring.after(0, 10).map((e) => [e.seq, e.v])).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(ring.after(1, 10).map((e) => e.seq)).toEqual([2, 3]);
    expect(ring.after(1, 1).map((e) => e.seq)).toEqual([2]);
    expect(ring.after(3, 10)).toEqual([]);
    expect(ring.lastSeq).toBe(3);
  });

  it('a first look (after 0) gets the newest `limit`; a cursor older than the ring resumes at the oldest held', () => {
    const ring = new RecentRing<{ v: number }>(4);
    for (let v = 1; v <= 10; v++) ring.push({ v });
    expect(ring.after(0, 2).map((e) => e.seq)).toEqual([9, 10]);
    expect(ring.after(2, 100).map((e) => e.seq)).toEqual([7, 8, 9, 10]);
    expect(ring.all().map((e) => e.seq)).toEqual([7, 8, 9, 10]);
  });
});

describe('Activity (a worker\'s batch)', () => {
  it('holds at most its batch size, counts what it dropped, and hands over once', () => {
    const a = new Activity(3, 2);
    for (let i = 0; i < 5; i++) a.request(entry(i, i === 0 ? 'error' : 'ok'));
    a.log('warn', 'x'.repeat(RECENT_ENTRY_TEXT_CHARS + 50), 1);
    const batch = a.take();
    expect(batch.requests).toHaveLength(2);
    expect(batch.dropped).toBe(3);
    expect(batch.counters).toMatchObject({ requests: 5, errors: 1 });
    expect(batch.logs[0]!.msg.length).toBe(RECENT_ENTRY_TEXT_CHARS + 1);
    expect(batch.logs[0]!.worker).toBe(3);
    const next = a.take();
    expect(next.requests).toEqual([]);
    expect(next.dropped).toBe(0);
    expect(next.counters.requests).toBe(5);
  });

  it('counts calls per server, in flight until they end', () => {
    const a = new Activity(0);
    const c1 = a.callStarted('box');
    a.callStarted('box');
    expect(a.inflight('box')).toBe(2);
    a.callEnded(c1, true);
    expect(a.take().counters.servers).toEqual({ box: { requests: 2, errors: 1, inflight: 1 } });
  });
});

describe('NodeActivity (the primary\'s view)', () => {
  let node: NodeActivity | undefined;
  afterEach(() => node?.close());

  it('numbers every worker\'s entries in one sequence and sums counters', () => {
    node = new NodeActivity();
    const w0 = new Activity(0);
    const w1 = new Activity(1);
    w0.request(entry(1));
    w1.request(entry(2, 'error'));
    w1.request(entry(3));
    node.feed(0, w0.take());
    node.feed(1, w1.take());
    expect(node.requests.after(0, 10).map((e) => [e.seq, e.latencyMs])).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(node.totals()).toMatchObject({ requests: 3, errors: 1 });
  });

  it('a replaced worker\'s counts stay in the totals, its calls in flight do not', () => {
    node = new NodeActivity();
    const w = new Activity(0);
    w.callStarted('box');
    w.request(entry(1));
    node.feed(0, w.take());
    node.workerGone(0);
    expect(node.totals()).toMatchObject({ requests: 1, servers: { box: { requests: 1, errors: 0, inflight: 0 } } });
  });

  it('percentiles of the window\'s latencies and the error rate', () => {
    node = new NodeActivity(60_000);
    const w = new Activity(0);
    for (let i = 1; i <= 100; i++) w.request(entry(i, i <= 10 ? 'error' : 'ok'));
    w.request(entry(10_000, 'ok', Date.now() - 120_000));
    node.feed(0, w.take());
    const s = node.summary();
    expect(s.requests.p50Ms).toBe(50);
    expect(s.requests.p99Ms).toBe(99);
    expect(s.requests.total).toBe(101);
    expect(s.requests.errors).toBe(10);
  });
});

describe('requests by principal', () => {
  it('names the first MAX_PRINCIPAL_LABELS principals, counts the rest as "other"', async () => {
    for (let i = 0; i < MAX_PRINCIPAL_LABELS + 20; i++) countPrincipal(`p-${i}`);
    countPrincipal('p-0');
    const values = (await principalRequests.get()).values;
    const by = new Map(values.map((v) => [v.labels.principal, v.value]));
    expect(by.get('p-0')).toBe(2);
    expect(by.get(OTHER_PRINCIPALS)).toBe(20);
    expect(values.length).toBe(MAX_PRINCIPAL_LABELS + 1);
  });
});
