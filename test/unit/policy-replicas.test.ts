/**
 * The pieces that decide which replicas may take a call: outlier detection,
 * a breaker per replica (the existing breaker keyed by replica, shared over
 * the store's bus), the health view fed by the probes, and the replica set
 * that asks them all before its balancer picks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { GatewayError, NOT_READY } from '../../src/mcp/errors.js';
import { UpstreamRpcError } from '../../src/backends/rpc-connection.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { CircuitBreakers } from '../../src/policy/circuit-breaker.js';
import { withBreaker } from '../../src/policy/breaker-policy.js';
import {
  OUTLIER_BASE_EJECTION_MS,
  OUTLIER_CONSECUTIVE_FAULTS,
  OUTLIER_FORGET_MS,
  OUTLIER_MAX_EJECTION_MS,
  OutlierDetector,
  withOutlierDetection,
} from '../../src/policy/outlier-detector.js';
import { HealthView } from '../../src/policy/health-view.js';
import { ReplicaSet, replicaKey } from '../../src/policy/replica-set.js';
import { createBalancer } from '../../src/policy/balancer/create-balancer.js';
import { balanceKey, MAX_HASH_KEY_CHARS } from '../../src/policy/hash-key.js';

const T0 = 1_800_000_000_000;
const flush = () => new Promise((r) => setImmediate(r));
const logger = pino({ level: 'silent' });
const stores: MemoryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
function memoryStore(): MemoryStore {
  const s = new MemoryStore();
  stores.push(s);
  return s;
}

function faults(d: OutlierDetector, key: string, n: number, now: number): boolean[] {
  return Array.from({ length: n }, () => d.record(key, true, now));
}

describe('OutlierDetector', () => {
  it(`ejects a replica after ${OUTLIER_CONSECUTIVE_FAULTS} backend faults in a row, for the base time`, () => {
    const d = new OutlierDetector(3);
    expect(faults(d, 'a', OUTLIER_CONSECUTIVE_FAULTS - 1, T0)).not.toContain(true);
    expect(d.admits('a', T0)).toBe(true);
    expect(d.record('a', true, T0)).toBe(true);
    expect(d.admits('a', T0)).toBe(false);
    expect(d.admits('a', T0 + OUTLIER_BASE_EJECTION_MS - 1)).toBe(false);
    expect(d.admits('a', T0 + OUTLIER_BASE_EJECTION_MS)).toBe(true);
    expect(d.ejected(T0)).toEqual([{ key: 'a', until: T0 + OUTLIER_BASE_EJECTION_MS, ejections: 1 }]);
  });

  it('needs the faults in a row: a success in between starts the count again', () => {
    const d = new OutlierDetector(3);
    faults(d, 'a', OUTLIER_CONSECUTIVE_FAULTS - 1, T0);
    d.record('a', false, T0);
    expect(faults(d, 'a', OUTLIER_CONSECUTIVE_FAULTS - 1, T0)).not.toContain(true);
    expect(d.admits('a', T0)).toBe(true);
  });

  it('ejects a repeat offender for twice as long each time, up to the maximum; forgets after a quiet spell', () => {
    const d = new OutlierDetector(3);
    let now = T0;
    const lengths: number[] = [];
    for (let i = 0; i < 10; i++) {
      faults(d, 'a', OUTLIER_CONSECUTIVE_FAULTS, now);
      const until = d.ejected(now)[0]!.until;
      lengths.push(until - now);
      now = until;
    }
    expect(lengths.slice(0, 3)).toEqual([OUTLIER_BASE_EJECTION_MS, 2 * OUTLIER_BASE_EJECTION_MS, 4 * OUTLIER_BASE_EJECTION_MS]);
    expect(Math.max(...lengths)).toBe(OUTLIER_MAX_EJECTION_MS);
    now += OUTLIER_FORGET_MS + 1;
    faults(d, 'a', OUTLIER_CONSECUTIVE_FAULTS, now);
    expect(d.ejected(now)[0]!.until - now).toBe(OUTLIER_BASE_EJECTION_MS);
  });

  it('ejects at most half of a server\'s replicas at once (at least one)', () => {
    const d = new OutlierDetector(2);
    faults(d, 'a', OUTLIER_CONSECUTIVE_FAULTS, T0);
    expect(faults(d, 'b', OUTLIER_CONSECUTIVE_FAULTS * 2, T0)).not.toContain(true);
    expect([d.admits('a', T0), d.admits('b', T0)]).toEqual([false, true]);
    // Once a is back, b may go.
    const later = T0 + OUTLIER_BASE_EJECTION_MS;
    expect(d.record('b', true, later)).toBe(true);
  });

  it('counts only backend faults of real attempts (not the backend\'s own errors, not refusals before sending)', async () => {
    const d = new OutlierDetector(2);
    const run = (err: unknown) => withOutlierDetection(d, 'a', () => Promise.reject(err))().catch(() => undefined);
    for (let i = 0; i < 10; i++) {
      await run(new UpstreamRpcError(-32602, 'bad arguments'));
      await run(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'starting', NOT_READY));
      await run(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'circuit open', { retryAfterMs: 10 }));
    }
    expect(d.admits('a')).toBe(true);
    let ejected = 0;
    for (let i = 0; i < OUTLIER_CONSECUTIVE_FAULTS; i++) {
      await withOutlierDetection(d, 'a', () => Promise.reject(new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'slow')), () => ejected++)().catch(() => undefined);
    }
    expect([d.admits('a'), ejected]).toEqual([false, 1]);
  });

  it('does not let a refusal before sending break a run of faults (it says nothing about the replica)', async () => {
    const d = new OutlierDetector(2);
    const run = (err: unknown) => withOutlierDetection(d, 'a', () => Promise.reject(err))().catch(() => undefined);
    for (let i = 0; i < OUTLIER_CONSECUTIVE_FAULTS - 1; i++) await run(new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'slow'));
    await run(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'restarting', NOT_READY));
    await run(new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'slow'));
    expect(d.admits('a')).toBe(false);
  });
});

describe('a breaker per replica (CircuitBreakers keyed by replica key)', () => {
  it('opens one replica\'s circuit without touching its sibling\'s, and every worker hears it on the bus', async () => {
    const store = memoryStore();
    const worker1 = new CircuitBreakers(store, logger, { threshold: 2, openMs: 10_000 });
    const worker2 = new CircuitBreakers(store, logger, { threshold: 2, openMs: 10_000 });
    const [a, b] = [replicaKey('fx', 'http://10.0.0.1/mcp'), replicaKey('fx', 'http://10.0.0.2/mcp')];
    const failing = withBreaker(worker1, a, () => Promise.reject(new GatewayError('GW_ERR_BACKEND_CRASHED', 'gone')));
    await failing().catch(() => undefined);
    await failing().catch(() => undefined);
    await flush();
    expect(worker1.snapshot(a).state).toBe('open');
    expect(worker2.snapshot(a).state).toBe('open');
    expect(worker2.snapshot(b).state).toBe('closed');
    expect([worker2.admits(a), worker2.admits(b)]).toEqual([false, true]);
    await expect(withBreaker(worker2, a, () => Promise.resolve('x'))()).rejects.toMatchObject({ errorName: 'GW_ERR_BACKEND_UNAVAILABLE' });
    worker1.close();
    worker2.close();
  });

  it('admits a replica again once its open period is over (the probe is claimed by admit, not by admits)', async () => {
    const store = memoryStore();
    const breakers = new CircuitBreakers(store, logger, { threshold: 1, openMs: 1_000 });
    await breakers.record('fx/1', false, T0);
    expect(breakers.admits('fx/1', T0 + 999)).toBe(false);
    expect(breakers.admits('fx/1', T0 + 1_000)).toBe(true);
    await breakers.admit('fx/1', T0 + 1_000);
    // Half-open with that probe under way: nobody else is admitted until it reports or times out.
    expect(breakers.admits('fx/1', T0 + 1_001)).toBe(false);
    breakers.close();
  });
});

describe('HealthView', () => {
  it('admits unknown and healthy replicas, not unhealthy ones; follows changes on the bus; loads what it has not heard', async () => {
    const store = memoryStore();
    const policy = { healthyThreshold: 1, unhealthyThreshold: 1, ttlMs: 60_000 };
    await store.healthProbe('fx/b', false, policy, T0);
    const view = new HealthView(store);
    expect([view.admits('fx/a'), view.admits('fx/b')]).toEqual([true, true]);
    await view.load(['fx/a', 'fx/b']);
    expect([view.admits('fx/a'), view.admits('fx/b')]).toEqual([true, false]);
    await store.healthProbe('fx/a', false, policy, T0 + 1);
    await store.healthProbe('fx/b', true, policy, T0 + 1);
    await flush();
    expect([view.admits('fx/a'), view.admits('fx/b')]).toEqual([false, true]);
    expect(view.snapshot('fx/b')).toEqual({ state: 'healthy', passes: 1, failures: 0, since: T0 + 1 });
    view.close();
  });
});

describe('ReplicaSet', () => {
  const replicas = [{ id: 'a', weight: 1 }, { id: 'b', weight: 1 }, { id: 'c', weight: 1 }];
  const rr = () => createBalancer('round-robin', replicas.map((r) => ({ ...r, inflight: 0 })));

  it('picks only among replicas every gate admits, in the balancer\'s order', () => {
    const down = new Set(['fx/b']);
    const set = new ReplicaSet('fx', replicas, rr(), { required: [], preferred: [(key) => !down.has(key)] });
    expect(Array.from({ length: 4 }, () => set.pick()!.id)).toEqual(['a', 'c', 'a', 'c']);
    down.clear();
    expect(new Set(Array.from({ length: 3 }, () => set.pick()!.id))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('falls back to replicas that pass the required gates when none passes the preferred ones (panic)', () => {
    const set = new ReplicaSet('fx', replicas, rr(), { required: [(key) => key !== 'fx/c'], preferred: [() => false] });
    expect(new Set(Array.from({ length: 10 }, () => set.pick()!.id))).toEqual(new Set(['a', 'b']));
  });

  it('picks nothing when no replica passes the required gates', () => {
    const set = new ReplicaSet('fx', replicas, rr(), { required: [() => false], preferred: [] });
    expect(set.pick()).toBeUndefined();
  });

  it('leaves out the replicas a call already tried', () => {
    const set = new ReplicaSet('fx', replicas, rr(), { required: [], preferred: [] });
    expect(set.pick(undefined, { exclude: new Set(['a', 'b']) })?.id).toBe('c');
    expect(set.pick(undefined, { exclude: new Set(['a', 'b', 'c']) })).toBeUndefined();
  });

  it('keeps a pinned replica while it may take calls, and picks anew once it may not', () => {
    const down = new Set<string>();
    const set = new ReplicaSet('fx', replicas, rr(), { required: [], preferred: [(key) => !down.has(key)] });
    expect(Array.from({ length: 5 }, () => set.pick(undefined, { prefer: 'b' })!.id)).toEqual(['b', 'b', 'b', 'b', 'b']);
    down.add('fx/b');
    expect(set.pick(undefined, { prefer: 'b' })!.id).not.toBe('b');
  });

  it('counts calls in flight per replica, which least-connections reads', async () => {
    const set = new ReplicaSet('fx', replicas.slice(0, 2), createBalancer('least-connections', []), { required: [], preferred: [] });
    const a = set.get('a')!;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = Array.from({ length: 3 }, () => set.run(a, () => gate));
    expect(a.inflight).toBe(3);
    expect(new Set(Array.from({ length: 50 }, () => set.pick()!.id))).toEqual(new Set(['b']));
    release();
    await Promise.all(held);
    expect(a.inflight).toBe(0);
    await expect(set.run(a, () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(a.inflight).toBe(0);
  });

  it('keys replicas as server/id', () => {
    const set = new ReplicaSet('fx', [{ id: 'http://10.0.0.1:8080/mcp', weight: 2 }], rr(), { required: [], preferred: [] });
    expect(set.replicas.map((r) => [r.key, r.weight])).toEqual([['fx/http://10.0.0.1:8080/mcp', 2]]);
  });
});

describe('balanceKey (consistent-hash keys)', () => {
  it('hashes the named argument, else the session, else the principal, else nothing', () => {
    const arg = { from: 'argument', name: 'repo' } as const;
    expect(balanceKey(arg, { sessionId: 's1', principal: 'p', args: { repo: 'a/b' } })).toBe('a:a/b');
    expect(balanceKey(arg, { sessionId: 's1', principal: 'p', args: { repo: 42 } })).toBe('a:42');
    expect(balanceKey(arg, { sessionId: 's1', principal: 'p', args: { other: 1 } })).toBe('s:s1');
    expect(balanceKey(arg, { principal: 'p' })).toBe('p:p');
    expect(balanceKey({ from: 'session' }, { sessionId: 's1', principal: 'p' })).toBe('s:s1');
    expect(balanceKey({ from: 'principal' }, { sessionId: 's1', principal: 'p' })).toBe('p:p');
    expect(balanceKey({ from: 'session' }, {})).toBeUndefined();
  });

  it('bounds the work on a huge argument value', () => {
    const key = balanceKey({ from: 'argument', name: 'q' }, { args: { q: 'x'.repeat(100_000) } })!;
    expect(key.length).toBe(2 + MAX_HASH_KEY_CHARS);
  });
});
