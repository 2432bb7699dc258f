import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { MemoryStore } from '../../src/state/memory-store.js';
import { Sessions } from '../../src/worker/session/sessions.js';
import { sessionChannel, type SessionRecord } from '../../src/state/store.js';

/**
 * The in-process store, except that session reads can be held back and
 * answered later with what the store held when they were asked, as a read
 * queued ahead of a write on a Redis connection would be.
 */
class HeldReadStore extends MemoryStore {
  hold = false;
  readonly held: Array<() => void> = [];

  override async getSession(id: string): Promise<SessionRecord | undefined> {
    const snapshot = await super.getSession(id);
    const copy = snapshot && { ...snapshot };
    if (!this.hold) return copy;
    return new Promise((resolve) => this.held.push(() => resolve(copy)));
  }

  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('Sessions record refresh', () => {
  let store: HeldReadStore;
  let sessions: Sessions;

  afterEach(async () => {
    sessions.close();
    await store.close();
  });

  async function openSession() {
    store = new HeldReadStore();
    sessions = new Sessions(store, 60_000, pino({ level: 'silent' }), 'w0');
    return sessions.create({
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 't', version: '1' },
      principal: 'anonymous',
      transport: 'streamable',
      contextMode: 'full',
      askedContextMode: undefined,
    });
  }

  it('a store read that predates a change made here does not undo it', async () => {
    const session = await openSession();
    store.hold = true;
    // A first change publishes 'record'; the refresh it prompts reads the store before the second change lands.
    await sessions.update(session, { initialized: true });
    await settle();
    expect(store.held.length).toBe(1);
    await sessions.update(session, { logLevel: 'debug' });
    store.release();
    await settle();
    expect(session.record.logLevel).toBe('debug');
    // The second change's own message reads again, after its write: the copy here matches the store.
    store.hold = false;
    store.release();
    await settle();
    expect(session.record).toEqual(await store.getSession(session.id));
    expect(session.record.initialized).toBe(true);
  });

  it('takes a change another worker made', async () => {
    const session = await openSession();
    await store.patchSession(session.record, { logLevel: 'error' }, 60_000);
    await store.publish(sessionChannel(session.id), { t: 'record' });
    await settle();
    expect(session.record.logLevel).toBe('error');
  });
});

/** The in-process store with a reachability switch, as a Redis connection reports it. */
class FlakyStore extends MemoryStore {
  private listeners: Array<(healthy: boolean) => void> = [];
  private up = false;

  override get healthy(): boolean {
    return this.up;
  }

  override onHealth(listener: (healthy: boolean) => void): void {
    this.listeners.push(listener);
  }

  set(up: boolean): void {
    this.up = up;
    for (const l of this.listeners) l(up);
  }
}

describe('Sessions after a store outage', () => {
  it('answers an unknown id 503 (retry) rather than 404 while the store is unreachable or others may still be writing sessions back', async () => {
    const store = new FlakyStore();
    const sessions = new Sessions(store, 60_000, pino({ level: 'silent' }), 'w0');
    try {
      store.set(true);
      // The first connection is no return from an outage: an unknown id is simply unknown.
      expect(await sessions.resolve('never-issued')).toBeUndefined();
      // While it counts as unreachable, a "not found" from it is no proof (a restarted cluster master answers for slots it lost).
      store.set(false);
      await expect(sessions.resolve('never-issued')).rejects.toThrow(/is recovering/);
      store.set(true);
      await expect(sessions.resolve('never-issued')).rejects.toMatchObject({ errorName: 'GW_ERR_STATE_UNAVAILABLE' });
      await expect(sessions.resolve('never-issued')).rejects.toThrow(/is recovering/);
      // A session the store holds is served at once.
      await store.putSession({ id: 'back', protocolVersion: '2025-11-25', capabilities: {}, clientInfo: {}, principal: 'p', transport: 'streamable', logLevel: undefined, initialized: true, createdAt: 1, standaloneStream: 'g1', contextMode: 'full' }, 60_000);
      expect((await sessions.resolve('back'))?.id).toBe('back');
    } finally {
      sessions.close();
      await store.close();
    }
  });
});
