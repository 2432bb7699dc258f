/**
 * RedisStore against a real Redis, in each topology (one server, a 3-master
 * cluster, a Sentinel-managed master): session records written field by
 * field (concurrent changes of different fields by two workers both land),
 * restored only where missing, the event log's cap reported as a gap rather
 * than replayed around it, the bus, breakers, replica health and token
 * buckets working across stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/state/redis/redis-store.js';
import { BREAKER_CHANNEL, HEALTH_CHANNEL, sessionChannel, type BusMessage, type SessionRecord } from '../../src/state/store.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { UNKNOWN_HEALTH } from '../../src/state/health-rules.js';
import { startRedis, testTopologies, waitUntil, type TestRedis } from '../helpers/redis.js';
import { launchServer } from '../helpers/redis-nodes.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';

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

afterAll(stopAll);

describe.each(testTopologies())('%s', (topology) => {
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


  beforeAll(async () => {
    redis = await startRedis(topology);
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    stores.length = 0;
    await redis?.stop();
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

  describe('RedisStore bus and multi-key commands', () => {
    it('delivers a publish, an appended event and a breaker change to another store; a publish counts its receivers', async () => {
      const [a, b] = await pair();
      const seen: BusMessage[] = [];
      const offSession = b.subscribe(sessionChannel('bus1'), (m) => seen.push(m));
      const offBreaker = b.subscribe(BREAKER_CHANNEL, (m) => seen.push(m));
      // Subscribing is asynchronous: publish until b's subscription is in place.
      await waitUntil('b to receive on the session channel', async () => (await a.publish(sessionChannel('bus1'), { t: 'record' })) === 1);
      const id = await a.appendEvent('bus1', 'st', '{"n":1}');
      await waitUntil('the breaker channel to reach b', async () => (await a.publish(BREAKER_CHANNEL, { t: 'list', key: 'probe' })) === 1);
      await a.breaker('backend-x', 'failure', { threshold: 1, openMs: 60_000 }, Date.now());
      await waitUntil('the event and the breaker change to arrive', async () => seen.some((m) => m.t === 'event' && m.id === id) && seen.some((m) => m.t === 'breaker'));
      expect(seen.find((m) => m.t === 'event')).toEqual({ t: 'event', streamId: 'st', id, data: '{"n":1}' });
      expect(seen.find((m) => m.t === 'breaker')).toMatchObject({ t: 'breaker', backend: 'backend-x', state: { state: 'open', failures: 1 } });
      expect(await a.publish(sessionChannel('nobody-listens'), { t: 'record' })).toBe(0);
      offSession();
      offBreaker();
    });

    it("refreshes and deletes a session's record and log together (one slot on a cluster), each key with a TTL", async () => {
      const [a] = await pair();
      await a.putSession(record('multi'), 60_000);
      await a.appendEvent('multi', 'st', 'x', 1);
      await a.touchSession('multi', 120_000);
      const keys = await a.keyNames();
      expect(keys).toHaveLength(2);
      for (const key of keys) expect(await redis.admin.pttl(key)).toBeGreaterThan(60_000);
      await a.deleteSession('multi');
      expect(await a.getSession('multi')).toBeUndefined();
      expect(await a.keyNames()).toEqual([]);
    });
  });

  describe('RedisStore replica health, breakers and token buckets (routing, auth)', () => {
    it('applies probe results by the same rules as the in-process store, publishes only changes, and sets a TTL', async () => {
      const [a, b] = await pair();
      const memory = new MemoryStore();
      const heard: BusMessage[] = [];
      b.subscribe(HEALTH_CHANNEL, (m) => heard.push(m));
      await waitUntil('b to receive on the health channel', async () => (await a.publish(HEALTH_CHANNEL, { t: 'list', key: 'probe' })) === 1);
      const policy = { healthyThreshold: 2, unhealthyThreshold: 3, ttlMs: 60_000 };
      const results = [true, false, false, false, true, true, false, true, true, true];
      for (const [i, ok] of results.entries()) {
        const now = 1_800_000_000_000 + i;
        expect(await a.healthProbe('fx/http://10.0.0.1/mcp', ok, policy, now)).toEqual(await memory.healthProbe('fx/http://10.0.0.1/mcp', ok, policy, now));
      }
      await memory.close();
      expect(await b.health(['fx/http://10.0.0.1/mcp', 'fx/other'])).toEqual([{ state: 'healthy', passes: 3, failures: 0, since: 1_800_000_000_005 }, UNKNOWN_HEALTH]);
      await waitUntil('three health changes', async () => heard.filter((m) => m.t === 'health').length === 3);
      expect(heard.filter((m) => m.t === 'health').map((m) => (m.t === 'health' ? `${m.replica} ${m.state.state}` : m.t))).toEqual([
        'fx/http://10.0.0.1/mcp healthy',
        'fx/http://10.0.0.1/mcp unhealthy',
        'fx/http://10.0.0.1/mcp healthy',
      ]);
      const keys = (await a.keyNames()).filter((k) => k.includes('{hc}:'));
      expect(keys).toHaveLength(1);
      const ttl = await redis.admin.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('keeps one breaker per replica key; the bus message names the replica', async () => {
      const [a, b] = await pair();
      const heard: BusMessage[] = [];
      b.subscribe(BREAKER_CHANNEL, (m) => heard.push(m));
      await waitUntil('b to receive on the breaker channel', async () => (await a.publish(BREAKER_CHANNEL, { t: 'list', key: 'probe' })) === 1);
      const policy = { threshold: 2, openMs: 1_000 };
      await a.breaker('fx/1', 'failure', policy, 1);
      expect(await a.breaker('fx/1', 'failure', policy, 2)).toMatchObject({ state: 'open', failures: 2 });
      expect(await a.breaker('fx/2', 'probe', policy, 3)).toMatchObject({ state: 'closed', granted: true });
      await waitUntil('the breaker change', async () => heard.some((m) => m.t === 'breaker'));
      expect(heard.filter((m) => m.t === 'breaker')).toEqual([{ t: 'breaker', backend: 'fx/1', state: { state: 'open', until: 1_002, failures: 2 } }]);
    });

    it('shares a token bucket between stores, one key with a TTL', async () => {
      const [a, b] = await pair();
      const spec = { capacity: 3, refillPerMs: 0.001 };
      expect(await a.takeTokens('alice', spec, 2)).toMatchObject({ allowed: true, taken: 2, remaining: 1 });
      expect(await b.takeTokens('alice', spec, 1)).toMatchObject({ allowed: true, taken: 1, remaining: 0 });
      const refused = await a.takeTokens('alice', spec, 1);
      expect(refused).toMatchObject({ allowed: false, taken: 0 });
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      const keys = (await a.keyNames()).filter((k) => k.includes('{rl:alice}'));
      expect(keys).toHaveLength(1);
      expect(await redis.admin.pttl(keys[0]!)).toBeGreaterThan(0);
    });
  });
});

describe('a command Redis refuses', () => {
  it('fails that call (StoreUnavailable) without making the store count as unreachable', async () => {
    const port = await freePort();
    // A user without scripting: every Lua write is refused with NOPERM, plain commands work.
    const proc = await launchServer(port, tempDir('only1mcp-redis-'), ['--user', 'noscripts', 'on', '>pw', '~*', '&*', '+@all', '-@scripting']);
    const s = new RedisStore(`redis://noscripts:pw@127.0.0.1:${port}`, 'np:');
    try {
      expect(await s.ready(5_000)).toBe(true);
      const changes: boolean[] = [];
      s.onHealth((healthy) => changes.push(healthy));
      await expect(s.putSession(record('refused'), 60_000)).rejects.toThrow(/NOPERM/);
      await s.setCached('plain', 'ok', 60_000);
      expect(await s.getCached('plain')).toBe('ok');
      // Long enough for a probe to have run, had the refusal counted as an outage.
      await new Promise((r) => setTimeout(r, 700));
      expect(s.healthy).toBe(true);
      expect(changes).toEqual([]);
    } finally {
      await s.close();
      await proc.stop();
    }
  });
});
