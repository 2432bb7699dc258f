/**
 * RedisStore against a real redis-server: session records written field by
 * field (concurrent changes of different fields by two workers both land),
 * restored only where missing, and the event log's cap reported as a gap
 * rather than replayed around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/state/redis/redis-store.js';
import type { SessionRecord } from '../../src/state/store.js';
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
