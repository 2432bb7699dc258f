/**
 * The retry policy around fake attempts (the real ReplicaSet and balancer
 * pick the replicas): which failures are retried, on which replica, within
 * which budget, and that a non-idempotent request is never sent twice.
 */
import { describe, expect, it } from 'vitest';
import { GatewayError, NOT_READY, type ErrorName } from '../../src/mcp/errors.js';
import { UpstreamRpcError } from '../../src/backends/rpc-connection.js';
import { RetryBudget, RETRY_BUDGET_MIN_RETRIES, RETRY_BUDGET_WINDOW_MS } from '../../src/policy/retry-budget.js';
import { isRetryable, reachedBackend, withRetry } from '../../src/policy/retry-policy.js';
import { isIdempotent } from '../../src/policy/idempotency.js';
import { ReplicaSet, type ReplicaState } from '../../src/policy/replica-set.js';
import { createBalancer } from '../../src/policy/balancer/create-balancer.js';

const T0 = 1_800_000_000_000;

function replicaSet(ids: string[]): ReplicaSet {
  const replicas = ids.map((id) => ({ id, weight: 1 }));
  return new ReplicaSet('fx', replicas, createBalancer('round-robin', replicas.map((r) => ({ ...r, inflight: 0 }))), { required: [], preferred: [] });
}

/** A call through withRetry whose attempts answer from `outcomes` per replica id; records every attempt that reached a backend. */
function harness(ids: string[], outcomes: Record<string, () => Promise<string>>, options: { idempotent: boolean; attempts?: number; budget?: RetryBudget }) {
  const set = replicaSet(ids);
  const sent: string[] = [];
  const retried: string[] = [];
  const call = withRetry<ReplicaState, string>({
    server: 'fx',
    pick: (tried) => set.pick(undefined, { exclude: tried }),
    attempt: (r) =>
      set.run(r, () => {
        const result = outcomes[r.id]!();
        // A refusal before sending (not ready, circuit open) never reached the backend.
        result.then(
          () => sent.push(r.id),
          (err: unknown) => reachedBackend(err) && sent.push(r.id),
        );
        return result;
      }),
    idempotent: options.idempotent,
    attempts: options.attempts ?? 3,
    budget: options.budget ?? new RetryBudget(),
    onRetry: (r) => retried.push(r.id),
  });
  return { call, sent, retried, set };
}

const fail = (name: ErrorName, data?: Record<string, unknown>) => () => Promise.reject(new GatewayError(name, `${name} here`, data));
const ok = (text: string) => () => Promise.resolve(text);

describe('withRetry: requests that are not idempotent', () => {
  it.each(['GW_ERR_BACKEND_UNAVAILABLE', 'GW_ERR_BACKEND_TIMEOUT', 'GW_ERR_BACKEND_CRASHED'] as const)('are never sent twice, even after %s', async (name) => {
    const h = harness(['a', 'b', 'c'], { a: fail(name), b: ok('b'), c: ok('c') }, { idempotent: false });
    await expect(h.call()).rejects.toMatchObject({ errorName: name });
    expect(h.sent).toEqual(['a']);
    expect(h.retried).toEqual([]);
  });

  it('go to another replica when the first refused before sending (not ready, circuit open): still sent once', async () => {
    const h = harness(['a', 'b', 'c'], { a: fail('GW_ERR_BACKEND_UNAVAILABLE', { ...NOT_READY }), b: fail('GW_ERR_BACKEND_UNAVAILABLE', { retryAfterMs: 900 }), c: ok('c') }, { idempotent: false });
    await expect(h.call()).resolves.toBe('c');
    expect(h.sent).toEqual(['c']);
  });

  it('under many failing calls: every one reached exactly one backend', async () => {
    let attempts = 0;
    const h = harness(['a', 'b'], { a: () => (attempts++, fail('GW_ERR_BACKEND_TIMEOUT')()), b: () => (attempts++, fail('GW_ERR_BACKEND_CRASHED')()) }, { idempotent: false, attempts: 5 });
    for (let i = 0; i < 200; i++) await h.call().catch(() => undefined);
    expect(attempts).toBe(200);
    expect(h.sent.length).toBe(200);
  });
});

describe('withRetry: idempotent requests', () => {
  it('retry a connect error, a timeout or a dropped connection on another replica', async () => {
    const h = harness(['a', 'b', 'c'], { a: fail('GW_ERR_BACKEND_TIMEOUT'), b: fail('GW_ERR_BACKEND_CRASHED'), c: ok('c') }, { idempotent: true, attempts: 3 });
    await expect(h.call()).resolves.toBe('c');
    expect(h.sent).toEqual(['a', 'b', 'c']);
    expect(h.retried).toEqual(['a', 'b']);
  });

  it('never try one replica twice in a call, and stop at the attempt limit with the last failure', async () => {
    const h = harness(['a', 'b', 'c'], { a: fail('GW_ERR_BACKEND_UNAVAILABLE'), b: fail('GW_ERR_BACKEND_TIMEOUT'), c: ok('c') }, { idempotent: true, attempts: 2 });
    await expect(h.call()).rejects.toMatchObject({ errorName: 'GW_ERR_BACKEND_TIMEOUT' });
    expect(h.sent).toEqual(['a', 'b']);
  });

  it('return the last failure when every replica was tried', async () => {
    const h = harness(['a', 'b'], { a: fail('GW_ERR_BACKEND_UNAVAILABLE'), b: fail('GW_ERR_BACKEND_TIMEOUT') }, { idempotent: true, attempts: 5 });
    await expect(h.call()).rejects.toMatchObject({ errorName: 'GW_ERR_BACKEND_TIMEOUT' });
    expect(h.sent).toEqual(['a', 'b']);
  });

  it('do not retry the backend\'s own error, a protocol violation or a cancellation: those are answers', async () => {
    for (const failure of [
      () => Promise.reject(new UpstreamRpcError(-32602, 'bad arguments')),
      fail('GW_ERR_BACKEND_PROTOCOL'),
      fail('GW_ERR_INTERNAL', { cancelled: true }),
    ]) {
      const h = harness(['a', 'b'], { a: failure, b: ok('b') }, { idempotent: true });
      await expect(h.call()).rejects.toBeDefined();
      expect(h.sent).toEqual(['a']);
    }
  });

  it('stop retrying once the budget is spent, and retry again after the window slides', async () => {
    let now = T0;
    const budget = new RetryBudget(20);
    const calls = () => withRetry<ReplicaState, string>({ server: 'fx', pick: (t) => set.pick(undefined, { exclude: t }), attempt: (r) => outcomes[r.id]!(), idempotent: true, attempts: 2, budget: { recordCall: () => budget.recordCall(now), tryRetry: () => budget.tryRetry(now) } as RetryBudget });
    const set = replicaSet(['a', 'b']);
    let attempts = 0;
    const outcomes: Record<string, () => Promise<string>> = { a: () => (attempts++, fail('GW_ERR_BACKEND_TIMEOUT')()), b: () => (attempts++, fail('GW_ERR_BACKEND_TIMEOUT')()) };
    for (let i = 0; i < 1_000; i++) await calls()().catch(() => undefined);
    // 1,000 calls, each failing: at most 20% extra attempts.
    expect(attempts).toBe(1_000 + 200);
    now += RETRY_BUDGET_WINDOW_MS;
    for (let i = 0; i < 10; i++) await calls()().catch(() => undefined);
    expect(attempts).toBe(1_200 + 10 + 3);
  });

  it('fail with "no replica" (not counted as a backend fault) when no replica may take the call', async () => {
    const set = new ReplicaSet('fx', [{ id: 'a', weight: 1 }], createBalancer('round-robin', []), { required: [() => false], preferred: [] });
    const call = withRetry<ReplicaState, string>({ server: 'fx', pick: (t) => set.pick(undefined, { exclude: t }), attempt: ok('x'), idempotent: true, attempts: 2, budget: new RetryBudget() });
    const err = (await call().catch((e: unknown) => e)) as GatewayError;
    expect(err.errorName).toBe('GW_ERR_BACKEND_UNAVAILABLE');
    expect(err.message).toBe('No replica of fx can take the call (every replica is unhealthy, ejected or its circuit is open)');
    expect(err.data).toEqual({ notReady: true });
    expect(reachedBackend(err)).toBe(false);
  });

  it('name each refusal when every replica refused before sending', async () => {
    const h = harness(['a', 'b'], { a: fail('GW_ERR_BACKEND_UNAVAILABLE', { ...NOT_READY }), b: fail('GW_ERR_BACKEND_UNAVAILABLE', { retryAfterMs: 5 }) }, { idempotent: false });
    await expect(h.call()).rejects.toThrow('No replica of fx can take the call: a: GW_ERR_BACKEND_UNAVAILABLE here; b: GW_ERR_BACKEND_UNAVAILABLE here');
    expect(h.sent).toEqual([]);
  });
});

describe('RetryBudget', () => {
  it('allows retries up to the share of calls in the window', () => {
    const b = new RetryBudget(20, 0);
    for (let i = 0; i < 50; i++) b.recordCall(T0);
    const granted = Array.from({ length: 20 }, () => b.tryRetry(T0)).filter(Boolean).length;
    expect(granted).toBe(10);
  });

  it('always allows the floor, so a quiet server still fails over', () => {
    const b = new RetryBudget(20);
    b.recordCall(T0);
    expect(Array.from({ length: 10 }, () => b.tryRetry(T0)).filter(Boolean).length).toBe(RETRY_BUDGET_MIN_RETRIES);
  });

  it('forgets calls and retries older than the window, bucket by bucket', () => {
    const b = new RetryBudget(50, 0);
    for (let i = 0; i < 10; i++) b.recordCall(T0);
    expect(Array.from({ length: 10 }, () => b.tryRetry(T0)).filter(Boolean).length).toBe(5);
    // Half a window later the old calls and retries still count.
    expect(b.tryRetry(T0 + RETRY_BUDGET_WINDOW_MS / 2)).toBe(false);
    // A full window later they are gone, and so is the allowance they gave.
    expect(b.tryRetry(T0 + RETRY_BUDGET_WINDOW_MS)).toBe(false);
    for (let i = 0; i < 4; i++) b.recordCall(T0 + RETRY_BUDGET_WINDOW_MS);
    expect(b.tryRetry(T0 + RETRY_BUDGET_WINDOW_MS)).toBe(true);
    expect(b.tryRetry(T0 + RETRY_BUDGET_WINDOW_MS)).toBe(true);
    expect(b.tryRetry(T0 + RETRY_BUDGET_WINDOW_MS)).toBe(false);
  });

  it('allows no retry at all at 0%', () => {
    const b = new RetryBudget(0);
    for (let i = 0; i < 100; i++) b.recordCall(T0);
    expect(b.tryRetry(T0)).toBe(false);
  });
});

describe('what is retryable and what is idempotent', () => {
  it('retries backend connect errors, 5xx, timeouts and dropped connections only', () => {
    expect(isRetryable(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'x'))).toBe(true);
    expect(isRetryable(new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'x'))).toBe(true);
    expect(isRetryable(new GatewayError('GW_ERR_BACKEND_CRASHED', 'x'))).toBe(true);
    expect(isRetryable(new GatewayError('GW_ERR_BACKEND_PROTOCOL', 'x'))).toBe(false);
    expect(isRetryable(new GatewayError('GW_ERR_INVALID_PARAMS', 'x'))).toBe(false);
    expect(isRetryable(new UpstreamRpcError(-32603, 'x'))).toBe(false);
    expect(isRetryable(new Error('x'))).toBe(false);
  });

  it('treats lists, reads, prompts, completions and ping as idempotent', () => {
    for (const m of ['ping', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read', 'prompts/get', 'completion/complete']) {
      expect(isIdempotent(m, undefined, false), m).toBe(true);
    }
    expect(isIdempotent('resources/subscribe', undefined, true)).toBe(false);
  });

  it('treats tools/call as idempotent only when the tool says so and the server trusts it', () => {
    const readOnly = { name: 't', annotations: { readOnlyHint: true } };
    const idempotent = { name: 't', annotations: { idempotentHint: true } };
    const plain = { name: 't', annotations: { destructiveHint: false } };
    expect(isIdempotent('tools/call', readOnly, true)).toBe(true);
    expect(isIdempotent('tools/call', idempotent, true)).toBe(true);
    expect(isIdempotent('tools/call', readOnly, false)).toBe(false);
    expect(isIdempotent('tools/call', plain, true)).toBe(false);
    expect(isIdempotent('tools/call', { name: 't' }, true)).toBe(false);
    expect(isIdempotent('tools/call', { annotations: { readOnlyHint: 'yes' } }, true)).toBe(false);
  });
});
