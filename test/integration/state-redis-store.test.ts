/**
 * RedisStore against a real redis-server: session records written field by
 * field (concurrent changes of different fields by two workers both land),
 * restored only where missing, and the event log's cap reported as a gap
 * rather than replayed around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/state/redis/redis-store.js';
import { Redis } from 'ioredis';
import { BREAKER_CHANNEL, HEALTH_CHANNEL, type BusMessage, type SessionRecord } from '../../src/state/store.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { UNKNOWN_HEALTH } from '../../src/state/health-rules.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { stopAll } from '../helpers/processes.js';

let redis: TestRedis;
const stores: RedisStore[] = [];

async function store(maxEvents?: number): Promise<RedisStore> {
  const s = new RedisStore(redis.url, `t${stores.length}:`, maxEvents);
  stores.push(s);
  await s.ready();
  return s;
}

/** Two "workers" on one prefix. */
async function pair(): Promise<[RedisStore, RedisStore]> {
  const prefix = `p${stores.length}:`;
  const a = new RedisStore(redis.url, prefix);
  const b = new RedisStore(redis.url, prefix);
  stores.push(a, b);
  await Promise.all([a.ready(), b.ready()]);
  return [a, b];
}

const record = (id: string): SessionRecord => ({
  id,
  protocolVersion: '2025-11-25',
  capabilities: { sampling: {}, roots: { listChanged: true } },
  clientInfo: { name: 'c', version: '1', icons: [] },
  principal: 'alice',
  transport: 'streamable',
  logLevel: undefined,
  initialized: false,
  createdAt: 1_800_000_000_123,
  standaloneStream: 'g1',
  contextMode: 'search',
  workingSet: { budget: 4000, entries: [] },
});

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await stopAll();
});

describe('RedisStore sessions', () => {
  it('reads back exactly what was written (empty lists stay lists, undefined fields stay absent)', async () => {
    const s = await store();
    await s.putSession(record('s1'), 60_000);
    const back = await s.getSession('s1');
    expect(back).toEqual(JSON.parse(JSON.stringify(record('s1'))));
    expect(back && 'logLevel' in back).toBe(false);
    expect(await s.getSession('missing')).toBeUndefined();
  });

  it('keeps both of two concurrent changes to different fields made from stale copies', async () => {
    const [a, b] = await pair();
    const base = record('s2');
    await a.putSession(base, 60_000);
    // Each worker patches from its own (equally stale) copy.
    await Promise.all([a.patchSession({ ...base, logLevel: 'debug' }, { logLevel: 'debug' }, 60_000), b.patchSession({ ...base, workingSet: { budget: 4000, entries: [['x', 10, 1]] } }, { workingSet: { budget: 4000, entries: [['x', 10, 1]] } }, 60_000)]);
    const merged = await a.getSession('s2');
    expect(merged?.logLevel).toBe('debug');
    expect(merged?.workingSet).toEqual({ budget: 4000, entries: [['x', 10, 1]] });
    await a.patchSession(merged!, { logLevel: undefined }, 60_000);
    expect((await b.getSession('s2'))?.logLevel).toBeUndefined();
  });

  it('writes a patched session whole when the store lost it, and restores only where missing', async () => {
    const [a] = await pair();
    await a.patchSession({ ...record('s3'), initialized: true }, { initialized: true }, 60_000);
    expect(await a.getSession('s3')).toMatchObject({ id: 's3', principal: 'alice', initialized: true });
    await a.restoreSession({ ...record('s3'), principal: 'mallory' }, 60_000);
    expect((await a.getSession('s3'))?.principal).toBe('alice');
    await a.restoreSession(record('s4'), 60_000);
    expect((await a.getSession('s4'))?.id).toBe('s4');
  });
});

describe('RedisStore event log', () => {
  it('replays after a held event, and reports a gap once the cap dropped the one asked for', async () => {
    const s = await store(5);
    for (let i = 1; i <= 4; i++) await s.appendEvent('s', 'old', `o${i}`, i);
    for (let i = 1; i <= 4; i++) await s.appendEvent('s', 'new', `n${i}`, i);
    expect(await s.eventsAfter('s', 'old_4')).toEqual({ streamId: 'old', events: [], lost: false });
    expect(await s.eventsAfter('s', 'new_2')).toEqual({ streamId: 'new', events: [{ id: 'new_3', data: 'n3' }, { id: 'new_4', data: 'n4' }], lost: false });
    expect(await s.eventsAfter('s', 'old_1')).toEqual({ streamId: 'old', events: [], lost: true });
    expect(await s.eventsAfter('other', 'old_1')).toBeUndefined();
  });
});

describe('RedisStore replica health and breakers (routing)', () => {
  it('applies probe results by the same rules as the in-process store, publishes only changes, and sets a TTL', async () => {
    const [a, b] = await pair();
    const memory = new MemoryStore();
    const heard: BusMessage[] = [];
    b.subscribe(HEALTH_CHANNEL, (m) => heard.push(m));
    await new Promise((r) => setTimeout(r, 50));
    const policy = { healthyThreshold: 2, unhealthyThreshold: 3, ttlMs: 60_000 };
    const results = [true, false, false, false, true, true, false, true, true, true];
    for (const [i, ok] of results.entries()) {
      const now = 1_800_000_000_000 + i;
      expect(await a.healthProbe('fx/http://10.0.0.1/mcp', ok, policy, now)).toEqual(await memory.healthProbe('fx/http://10.0.0.1/mcp', ok, policy, now));
    }
    await memory.close();
    expect(await b.health(['fx/http://10.0.0.1/mcp', 'fx/other'])).toEqual([{ state: 'healthy', passes: 3, failures: 0, since: 1_800_000_000_005 }, UNKNOWN_HEALTH]);
    await until(() => heard.length === 3);
    expect(heard.map((m) => (m.t === 'health' ? `${m.replica} ${m.state.state}` : m.t))).toEqual([
      'fx/http://10.0.0.1/mcp healthy',
      'fx/http://10.0.0.1/mcp unhealthy',
      'fx/http://10.0.0.1/mcp healthy',
    ]);
    const keys = (await a.keys()).filter((k) => k.includes(':hc:'));
    expect(keys).toHaveLength(1);
    const probe = new Redis(redis.url);
    const ttl = await probe.pttl(keys[0]!);
    await probe.quit();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('keeps one breaker per replica key; the bus message names the replica', async () => {
    const [a, b] = await pair();
    const heard: BusMessage[] = [];
    b.subscribe(BREAKER_CHANNEL, (m) => heard.push(m));
    await new Promise((r) => setTimeout(r, 50));
    const policy = { threshold: 2, openMs: 1_000 };
    await a.breaker('fx/1', 'failure', policy, 1);
    expect(await a.breaker('fx/1', 'failure', policy, 2)).toMatchObject({ state: 'open', failures: 2 });
    expect(await a.breaker('fx/2', 'probe', policy, 3)).toMatchObject({ state: 'closed', granted: true });
    await until(() => heard.length === 1);
    expect(heard[0]).toEqual({ t: 'breaker', backend: 'fx/1', state: { state: 'open', until: 1_002, failures: 2 } });
  });
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
