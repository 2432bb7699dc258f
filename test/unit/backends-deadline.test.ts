import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallDeadline, withDeadline } from '../../src/backends/deadline.js';
import type { JsonRpcNotification } from '../../src/mcp/jsonrpc.js';
import { GatewayError } from '../../src/mcp/errors.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

describe('withDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the work’s value and leaves no timer behind', async () => {
    const cancel = vi.fn();
    await expect(withDeadline(Promise.resolve(42), 1_000, undefined, cancel, 'b tools/call')).resolves.toBe(42);
    expect(vi.getTimerCount()).toBe(0);
    expect(cancel).not.toHaveBeenCalled();
  });

  it('passes the work’s own error through unchanged, without cancelling', async () => {
    const cancel = vi.fn();
    const err = new Error('backend said no');
    await expect(withDeadline(Promise.reject(err), 1_000, undefined, cancel, 'b tools/call')).rejects.toBe(err);
    expect(cancel).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('on timeout cancels the work and rejects with GW_ERR_BACKEND_TIMEOUT; a late answer is ignored', async () => {
    const cancel = vi.fn();
    const work = deferred<string>();
    const p = withDeadline(work.promise, 250, undefined, cancel, 'github tools/call');
    vi.advanceTimersByTime(249);
    expect(cancel).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    const err = await rejection(p);
    expect(err.errorName).toBe('GW_ERR_BACKEND_TIMEOUT');
    expect(err.message).toBe('github tools/call did not answer within 250 ms');
    expect(cancel).toHaveBeenCalledExactlyOnceWith('timed out after 250 ms');
    work.resolve('late');
    await Promise.resolve();
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it('on client abort cancels the work and rejects as cancelled', async () => {
    const cancel = vi.fn();
    const controller = new AbortController();
    const p = withDeadline(new Promise(() => undefined), 1_000, controller.signal, cancel, 'github tools/call');
    controller.abort();
    const err = await rejection(p);
    expect(err.errorName).toBe('GW_ERR_INTERNAL');
    expect(err.message).toBe('github tools/call was cancelled by the client');
    expect(err.data).toEqual({ cancelled: true });
    expect(cancel).toHaveBeenCalledExactlyOnceWith('client cancelled the request');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const cancel = vi.fn();
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(withDeadline(new Promise(() => undefined), 1_000, controller.signal, cancel, 'x ping'));
    expect(err.message).toBe('x ping was cancelled by the client');
    expect(cancel).toHaveBeenCalledExactlyOnceWith('client cancelled the request');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not cancel a call that already finished when the client later aborts', async () => {
    const cancel = vi.fn();
    const controller = new AbortController();
    await withDeadline(Promise.resolve('ok'), 1_000, controller.signal, cancel, 'x');
    controller.abort();
    vi.advanceTimersByTime(2_000);
    expect(cancel).not.toHaveBeenCalled();
  });

  // BUG (src/backends/deadline.ts:35-41): with an already-aborted signal it returns before
  // `work.then(...)` is attached, so a work promise that rejects afterwards (the Streamable HTTP
  // link's aborted POST does) becomes an unhandled rejection, logged by the worker as an error.
  it('handles a later rejection of the work when the signal was already aborted', async () => {
    vi.useRealTimers();
    const unhandled: unknown[] = [];
    const saved = process.listeners('unhandledRejection');
    const record = (reason: unknown) => unhandled.push(reason);
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', record);
    try {
      const controller = new AbortController();
      controller.abort();
      const work = deferred<string>();
      await withDeadline(work.promise, 1_000, controller.signal, () => undefined, 'x').catch(() => undefined);
      work.reject(new Error('request aborted'));
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('unhandledRejection', record);
      for (const listener of saved) process.on('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
  });

  describe('extended by progress (CallDeadline)', () => {
    const progress: JsonRpcNotification = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } };
    const log: JsonRpcNotification = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } };

    it('lets a call that reports progress run three times its timeout, and passes every notification on', async () => {
      const seen: string[] = [];
      const deadline = new CallDeadline(1_000, 60_000);
      const hooks = deadline.watch({ onNotification: (m) => seen.push(m.method), onServerRequest: () => Promise.resolve({}) });
      const work = deferred<string>();
      const cancel = vi.fn();
      const p = withDeadline(work.promise, deadline, undefined, cancel, 'box tools/call');
      for (let t = 0; t < 3_000; t += 500) {
        vi.advanceTimersByTime(500);
        hooks.onNotification(progress);
      }
      work.resolve('done');
      await expect(p).resolves.toBe('done');
      expect(cancel).not.toHaveBeenCalled();
      expect(seen).toHaveLength(6);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('times a call out once it stops reporting, the timeout after its last progress', async () => {
      const deadline = new CallDeadline(1_000, 60_000);
      const hooks = deadline.watch({ onNotification: () => undefined, onServerRequest: () => Promise.resolve({}) });
      const cancel = vi.fn();
      const p = withDeadline(new Promise(() => undefined), deadline, undefined, cancel, 'box tools/call');
      vi.advanceTimersByTime(900);
      hooks.onNotification(progress);
      vi.advanceTimersByTime(900);
      // A log line is not progress: it does not keep the call alive.
      hooks.onNotification(log);
      vi.advanceTimersByTime(99);
      expect(cancel).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      const err = await rejection(p);
      expect(err.errorName).toBe('GW_ERR_BACKEND_TIMEOUT');
      expect(err.message).toBe('box tools/call reported no progress for 1000 ms');
      expect(cancel).toHaveBeenCalledExactlyOnceWith('timed out: reported no progress for 1000 ms');
      expect(vi.getTimerCount()).toBe(0);
    });

    it('times a call out at the total bound however much progress it reports', async () => {
      const deadline = new CallDeadline(1_000, 5_000);
      const hooks = deadline.watch({ onNotification: () => undefined, onServerRequest: () => Promise.resolve({}) });
      const cancel = vi.fn();
      const p = withDeadline(new Promise(() => undefined), deadline, undefined, cancel, 'box tools/call');
      for (let t = 0; t < 4_900; t += 100) {
        vi.advanceTimersByTime(100);
        hooks.onNotification(progress);
      }
      expect(cancel).not.toHaveBeenCalled();
      vi.advanceTimersByTime(100);
      const err = await rejection(p);
      expect(err.message).toBe('box tools/call did not finish within 5000 ms (the most a call may run, however much progress it reports)');
      expect(cancel).toHaveBeenCalledTimes(1);
    });

    it('leaves the hooks as they are when there is nothing to extend, and never shortens a call', () => {
      const hooks = { onNotification: () => undefined, onServerRequest: () => Promise.resolve({}) };
      expect(new CallDeadline(1_000).watch(hooks)).toBe(hooks);
      expect(new CallDeadline(1_000, 10).maxTotalMs).toBe(1_000);
    });
  });
});
