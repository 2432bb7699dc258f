import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../src/state/memory-store.js';
import { HEALTH_CHANNEL, sessionChannel, type BusMessage, type SessionRecord } from '../../src/state/store.js';
import { UNKNOWN_HEALTH } from '../../src/state/health-rules.js';

const T0 = 1_800_000_000_000;

function record(id: string): SessionRecord {
  return {
    id,
    protocolVersion: '2025-11-25',
    capabilities: { sampling: {} },
    clientInfo: { name: 'test', version: '1' },
    principal: 'alice',
    transport: 'streamable',
    logLevel: undefined,
    initialized: true,
    createdAt: T0,
    standaloneStream: 'g1',
    contextMode: 'full',
  };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('MemoryStore', () => {
  let store: MemoryStore;

  beforeEach(() => {
    // Only the clock is faked: expiry is decided by Date.now().
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    store = new MemoryStore(5);
  });

  afterEach(async () => {
    await store.close();
    vi.useRealTimers();
  });

  describe('sessions', () => {
    it('stores a copy of a record and finds it by id', async () => {
      const r = record('s1');
      await store.putSession(r, 1_000);
      r.principal = 'mallory';
      expect(await store.getSession('s1')).toEqual(record('s1'));
      expect(await store.getSession('nope')).toBeUndefined();
    });

    it('restores a record only where the store has none', async () => {
      await store.putSession({ ...record('s1'), logLevel: 'debug' }, 1_000);
      await store.restoreSession({ ...record('s1'), logLevel: 'error' }, 1_000);
      expect((await store.getSession('s1'))?.logLevel).toBe('debug');
      await store.restoreSession(record('s2'), 1_000);
      expect((await store.getSession('s2'))?.id).toBe('s2');
    });

    it('expires a session after its idle time, taking its event log with it', async () => {
      await store.putSession(record('s1'), 50);
      await store.appendEvent('s1', 'g1', 'e1');
      vi.setSystemTime(T0 + 50);
      expect(await store.getSession('s1')).toBeDefined();
      vi.setSystemTime(T0 + 51);
      expect(await store.getSession('s1')).toBeUndefined();
      expect(await store.eventsAfter('s1', 'g1_0')).toBeUndefined();
    });

    it('touch pushes the expiry out; touching an unknown session does nothing', async () => {
      await store.putSession(record('s1'), 50);
      vi.setSystemTime(T0 + 40);
      await store.touchSession('s1', 50);
      vi.setSystemTime(T0 + 80);
      expect(await store.getSession('s1')).toBeDefined();
      await store.touchSession('ghost', 50);
      expect(await store.getSession('ghost')).toBeUndefined();
    });

    it('delete removes the session and its log', async () => {
      await store.putSession(record('s1'), 1_000);
      await store.appendEvent('s1', 'g1', 'e1');
      await store.deleteSession('s1');
      expect(await store.getSession('s1')).toBeUndefined();
      expect(await store.eventsAfter('s1', 'g1_0')).toBeUndefined();
    });

    // BUG (src/state/memory-store.ts:69-72): touchSession refreshes an entry that has already
    // expired but not yet been swept, bringing a dead session back; Redis PEXPIRE on an expired
    // key does nothing, so the two stores disagree.
    it('does not bring an expired session back by touching it', async () => {
      await store.putSession(record('s1'), 50);
      vi.setSystemTime(T0 + 100);
      await store.touchSession('s1', 50);
      expect(await store.getSession('s1')).toBeUndefined();
    });
  });

  describe('event log', () => {
    it('numbers events per stream when no position is given', async () => {
      expect(await store.appendEvent('s1', 'a', 'a1')).toBe('a_1');
      expect(await store.appendEvent('s1', 'a', 'a2')).toBe('a_2');
      expect(await store.appendEvent('s1', 'b', 'b1')).toBe('b_1');
      expect(await store.appendEvent('s2', 'a', 'other session')).toBe('a_1');
    });

    it('uses a producer’s own position when it gives one', async () => {
      expect(await store.appendEvent('s1', 'post-7', 'x', 4)).toBe('post-7_4');
      expect(await store.appendEvent('s1', 'post-7', 'y', 5)).toBe('post-7_5');
      expect(await store.eventsAfter('s1', 'post-7_4')).toEqual({ streamId: 'post-7', events: [{ id: 'post-7_5', data: 'y' }], lost: false });
    });

    it('replays the events of the named stream after the given id, and only those', async () => {
      await store.appendEvent('s1', 'a', 'a1');
      await store.appendEvent('s1', 'b', 'b1');
      await store.appendEvent('s1', 'a', 'a2');
      await store.appendEvent('s1', 'a', 'a3');
      expect(await store.eventsAfter('s1', 'a_1')).toEqual({ streamId: 'a', events: [{ id: 'a_2', data: 'a2' }, { id: 'a_3', data: 'a3' }], lost: false });
      expect(await store.eventsAfter('s1', 'a_0')).toEqual({ streamId: 'a', events: [{ id: 'a_1', data: 'a1' }, { id: 'a_2', data: 'a2' }, { id: 'a_3', data: 'a3' }], lost: false });
      expect(await store.eventsAfter('s1', 'a_3')).toEqual({ streamId: 'a', events: [], lost: false });
      expect(await store.eventsAfter('s1', 'b_1')).toEqual({ streamId: 'b', events: [], lost: false });
    });

    it('takes stream ids that contain underscores (the position follows the last one)', async () => {
      await store.appendEvent('s1', 'post_req_1', 'x');
      await store.appendEvent('s1', 'post_req_1', 'y');
      expect(await store.eventsAfter('s1', 'post_req_1_1')).toEqual({ streamId: 'post_req_1', events: [{ id: 'post_req_1_2', data: 'y' }], lost: false });
    });

    it('knows nothing of an unknown stream, an unknown session or a malformed id', async () => {
      await store.appendEvent('s1', 'a', 'a1');
      expect(await store.eventsAfter('s1', 'zzz_1')).toBeUndefined();
      expect(await store.eventsAfter('s2', 'a_0')).toBeUndefined();
      for (const bad of ['a', '_1', 'a_', '']) expect(await store.eventsAfter('s1', bad), bad).toBeUndefined();
    });

    it('keeps only the newest events of a session (the cap spans all its streams), and says when a resume would skip some', async () => {
      for (let i = 1; i <= 4; i++) await store.appendEvent('s1', 'old', `o${i}`);
      for (let i = 1; i <= 4; i++) await store.appendEvent('s1', 'new', `n${i}`);
      // Cap 5: old_4 and new_1..4 remain; a resume after old_1 would skip old_2 and old_3.
      expect(await store.eventsAfter('s1', 'old_4')).toEqual({ streamId: 'old', events: [], lost: false });
      expect(await store.eventsAfter('s1', 'old_1')).toEqual({ streamId: 'old', events: [], lost: true });
      expect(await store.eventsAfter('s1', 'old_0')).toEqual({ streamId: 'old', events: [], lost: true });
      expect((await store.eventsAfter('s1', 'new_1'))?.events.map((e) => e.id)).toEqual(['new_2', 'new_3', 'new_4']);
      await store.appendEvent('s1', 'new', 'n5');
      // Every event of "old" is gone: a resume of it is refused rather than started afresh.
      expect(await store.eventsAfter('s1', 'old_4')).toEqual({ streamId: 'old', events: [], lost: true });
      // A log that never filled up has dropped nothing: an id it does not hold was never issued.
      expect(await store.eventsAfter('s2', 'old_1')).toBeUndefined();
    });

    it('publishes each appended event on the session channel, after the append returns', async () => {
      const seen: BusMessage[] = [];
      store.subscribe(sessionChannel('s1'), (m) => seen.push(m));
      const id = store.appendEvent('s1', 'g1', '{"x":1}');
      expect(seen).toEqual([]);
      await id;
      await flush();
      expect(seen).toEqual([{ t: 'event', streamId: 'g1', id: 'g1_1', data: '{"x":1}' }]);
    });
  });

  describe('bus', () => {
    it('delivers to every subscriber of a channel until it unsubscribes', async () => {
      const a: BusMessage[] = [];
      const b: BusMessage[] = [];
      const offA = store.subscribe('c', (m) => a.push(m));
      store.subscribe('c', (m) => b.push(m));
      store.subscribe('other', () => {
        throw new Error('wrong channel');
      });
      await store.publish('c', { t: 'ended' });
      await flush();
      offA();
      await store.publish('c', { t: 'record' });
      await store.publish('nobody-listens', { t: 'record' });
      await flush();
      expect(a).toEqual([{ t: 'ended' }]);
      expect(b).toEqual([{ t: 'ended' }, { t: 'record' }]);
    });

    it('delivers nothing after close', async () => {
      const seen: BusMessage[] = [];
      store.subscribe('c', (m) => seen.push(m));
      await store.close();
      await store.publish('c', { t: 'ended' });
      await flush();
      expect(seen).toEqual([]);
    });
  });

  describe('cache and locks', () => {
    it('keeps a cached value for its time to live', async () => {
      await store.setCached('k', 'v', 100);
      expect(await store.getCached('k')).toBe('v');
      vi.setSystemTime(T0 + 101);
      expect(await store.getCached('k')).toBeUndefined();
      expect(await store.getCached('never-set')).toBeUndefined();
    });

    it('grants a lock to one caller until it is released or expires', async () => {
      expect(await store.tryLock('l', 100)).toBe(true);
      expect(await store.tryLock('l', 100)).toBe(false);
      await store.unlock('l');
      expect(await store.tryLock('l', 100)).toBe(true);
      vi.setSystemTime(T0 + 101);
      expect(await store.tryLock('l', 100)).toBe(true);
    });

    it('keeps a lock and a cached value under the same key apart (the list cache locks the key it caches)', async () => {
      await store.setCached('list:x', 'items', 1_000);
      expect(await store.tryLock('list:x', 100)).toBe(true);
      await store.unlock('list:x');
      expect(await store.getCached('list:x')).toBe('items');
      expect(await store.tryLock('list:x', 100)).toBe(true);
    });
  });

  it('keeps breaker state per backend', async () => {
    const policy = { threshold: 2, openMs: 1_000 };
    expect(await store.breaker('a', 'failure', policy, T0)).toEqual({ state: 'closed', until: 0, failures: 1 });
    expect(await store.breaker('a', 'failure', policy, T0)).toEqual({ state: 'open', until: T0 + 1_000, failures: 2 });
    expect(await store.breaker('b', 'probe', policy, T0)).toEqual({ state: 'closed', until: 0, failures: 0, granted: true });
    expect(await store.breaker('a', 'probe', policy, T0 + 1)).toMatchObject({ state: 'open', granted: false });
  });

  it('keeps replica health per replica, changes state by the thresholds, and publishes only changes', async () => {
    const heard: BusMessage[] = [];
    store.subscribe(HEALTH_CHANNEL, (m) => heard.push(m));
    const policy = { healthyThreshold: 2, unhealthyThreshold: 2, ttlMs: 60_000 };
    expect(await store.health(['fx/a', 'fx/b'])).toEqual([UNKNOWN_HEALTH, UNKNOWN_HEALTH]);
    expect(await store.healthProbe('fx/a', true, policy, T0)).toEqual({ state: 'healthy', passes: 1, failures: 0, since: T0, changed: true });
    expect(await store.healthProbe('fx/a', false, policy, T0 + 1)).toEqual({ state: 'healthy', passes: 0, failures: 1, since: T0, changed: false });
    expect(await store.healthProbe('fx/a', false, policy, T0 + 2)).toEqual({ state: 'unhealthy', passes: 0, failures: 2, since: T0 + 2, changed: true });
    expect(await store.healthProbe('fx/a', true, policy, T0 + 3)).toMatchObject({ state: 'unhealthy', passes: 1, changed: false });
    expect(await store.healthProbe('fx/a', true, policy, T0 + 4)).toMatchObject({ state: 'healthy', passes: 2, since: T0 + 4, changed: true });
    expect(await store.health(['fx/b', 'fx/a'])).toEqual([UNKNOWN_HEALTH, { state: 'healthy', passes: 2, failures: 0, since: T0 + 4 }]);
    await flush();
    expect(heard.map((m) => (m.t === 'health' ? `${m.replica}:${m.state.state}` : m.t))).toEqual(['fx/a:healthy', 'fx/a:unhealthy', 'fx/a:healthy']);
  });

  it('forgets a replica\'s health when no probe wrote it within its TTL', async () => {
    await store.healthProbe('fx/a', false, { healthyThreshold: 1, unhealthyThreshold: 1, ttlMs: 1_000 }, T0);
    expect((await store.health(['fx/a']))[0]?.state).toBe('unhealthy');
    vi.setSystemTime(T0 + 1_001);
    expect(await store.health(['fx/a'])).toEqual([UNKNOWN_HEALTH]);
  });

  it('is always healthy and of kind memory', () => {
    expect([store.kind, store.healthy]).toEqual(['memory', true]);
  });
});
