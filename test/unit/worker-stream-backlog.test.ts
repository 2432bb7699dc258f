/**
 * The worker's half of back-pressure (docs/security.md, "Buffers and
 * back-pressure"): what a stream that far behind drops, and a session's own
 * stream holding a store that does not keep up (the in-process store,
 * with appends held back as a slow Redis would hold them).
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { MemoryStore } from '../../src/state/memory-store.js';
import { Sessions } from '../../src/worker/session/sessions.js';
import { dropsAt } from '../../src/worker/session/producer-stream.js';
import { SSE_MAX_BUFFERED_BYTES, STREAM_NOTIFY_MAX_BUFFERED_BYTES } from '../../src/config/defaults.js';

const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } };
const log = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } };
const listChanged = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };
const response = { jsonrpc: '2.0', id: 1, result: {} };
const request = { jsonrpc: '2.0', id: 'o1m-1', method: 'sampling/createMessage', params: {} };

describe('dropsAt', () => {
  it('keeps everything while the stream keeps up', () => {
    for (const m of [progress, log, listChanged, response, request]) expect(dropsAt(m, STREAM_NOTIFY_MAX_BUFFERED_BYTES)).toBe(false);
  });

  it('drops progress and log notifications first, other notifications past the SSE bound, never responses or requests', () => {
    const behind = STREAM_NOTIFY_MAX_BUFFERED_BYTES + 1;
    expect([progress, log, listChanged, response, request].map((m) => dropsAt(m, behind))).toEqual([true, true, false, false, false]);
    const farBehind = SSE_MAX_BUFFERED_BYTES + 1;
    expect([progress, log, listChanged, response, request].map((m) => dropsAt(m, farBehind))).toEqual([true, true, true, false, false]);
  });
});

/** Appends are answered only when released, as a Redis that fell behind answers late. */
class SlowAppendStore extends MemoryStore {
  readonly held: Array<() => void> = [];

  override appendEvent(...args: Parameters<MemoryStore['appendEvent']>): ReturnType<MemoryStore['appendEvent']> {
    return new Promise((resolve, reject) => this.held.push(() => void super.appendEvent(...args).then(resolve, reject)));
  }

  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }
}

describe('a session\'s own stream with a store that does not keep up', () => {
  let store: SlowAppendStore;
  let sessions: Sessions;

  afterEach(async () => {
    sessions.close();
    await store.close();
  });

  it('holds at most its bound of progress notifications for the store, then drops them; responses always go', async () => {
    store = new SlowAppendStore();
    sessions = new Sessions(store, 60_000, pino({ level: 'silent' }), 'w0');
    const session = await sessions.create({
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 't', version: '1' },
      principal: 'anonymous',
      transport: 'streamable',
      contextMode: 'full',
    } as Parameters<Sessions['create']>[0]);
    const big = { ...progress, params: { progressToken: 1, progress: 1, message: 'x'.repeat(1024 * 1024) } };
    let kept = 0;
    for (let i = 0; i < 100; i++) if (session.notify(big)) kept++;
    // Kept until the backlog passed the bound (one message may cross it), then dropped.
    expect(kept).toBe(Math.floor(STREAM_NOTIFY_MAX_BUFFERED_BYTES / JSON.stringify(big).length) + 1);
    expect(store.held).toHaveLength(kept);
    expect(session.notify(response)).toBe(true);
    store.release();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    // The store caught up: notifications flow again.
    expect(session.notify(big)).toBe(true);
  });
});
