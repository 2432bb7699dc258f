import type { CancelSignal } from '../../src/gateway/cancellation.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ASK_ROUND_MAX_MS, ASK_SETTLE_MS, HeldCalls, type Notify, type StartCall } from '../../src/gateway/held-calls.js';
import { StateSealer } from '../../src/gateway/request-state.js';
import { GatewayError } from '../../src/mcp/errors.js';
import type { JsonObject } from '../../src/mcp/jsonrpc.js';

const sealer = new StateSealer(Buffer.alloc(32, 7));
const route = { backend: 'legacy', method: 'tools/call', name: 'summarise', principal: 'alice' };
const NOT_HELD = 'requestState rejected: the call it refers to is no longer held (it finished, expired, or was cancelled)';
const OLD_ROUND = 'requestState rejected: it belongs to an earlier round of this call';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The handle and round sealed into an input_required result (checking the seal binds the route). */
function stateOf(result: JsonObject): { handle: string; round: number } {
  const state = sealer.open(result.requestState, route);
  expect(state).toMatchObject({ k: 'held', w: 'w1', b: 'legacy', m: 'tools/call', n: 'summarise', p: 'alice' });
  return { handle: state.h!, round: state.r! };
}

const live = () => new AbortController().signal;
const ignore: Notify = () => undefined;
const sampling = { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 };

/** Lets a round of asks settle (the round is sent once the backend has been quiet for a moment). */
async function settled<T>(p: Promise<T>): Promise<T> {
  await vi.advanceTimersByTimeAsync(ASK_ROUND_MAX_MS);
  return p;
}

function retry(held: HeldCalls, result: JsonObject, answers: unknown, signal = live(), notify = ignore): Promise<JsonObject> {
  const { handle, round } = stateOf(result);
  return held.resume(handle, round, answers, signal, notify);
}

beforeEach(() => {
  // Round settling and expiry run on timers and the clock; both are driven by the tests.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('HeldCalls', () => {
  it('returns the result directly when the backend asks for nothing', async () => {
    const held = new HeldCalls(sealer, 'w1');
    await expect(held.start(route, live(), ignore, async () => ({ content: [] }))).resolves.toEqual({ content: [] });
    expect(held.size).toBe(0);
  });

  it('turns a backend request into an input_required round and feeds the answer back on retry', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const answers: JsonObject[] = [];
    const start: StartCall = async (ask) => {
      answers.push(await ask('sampling/createMessage', sampling));
      return { content: [{ type: 'text', text: 'done' }] };
    };
    const first = await settled(held.start(route, live(), ignore, start));
    expect(first).toEqual({
      resultType: 'input_required',
      inputRequests: { input_0: { method: 'sampling/createMessage', params: sampling } },
      requestState: expect.any(String),
    });
    expect(stateOf(first).round).toBe(1);
    expect(held.size).toBe(1);

    const final = await retry(held, first, { input_0: { role: 'assistant', content: { type: 'text', text: 'ok' } } });
    expect(final).toEqual({ content: [{ type: 'text', text: 'done' }] });
    expect(answers).toEqual([{ role: 'assistant', content: { type: 'text', text: 'ok' } }]);
    expect(held.size).toBe(0);
    await expect(retry(held, first, {})).rejects.toThrow(NOT_HELD);
  });

  it('gathers the asks of one burst into one round; an ask without params has none', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const start: StartCall = async (ask) => {
      const a = ask('roots/list', undefined);
      await Promise.resolve();
      const b = ask('elicitation/create', { message: 'name?', requestedSchema: { type: 'object', properties: {} } });
      return { got: [await a, await b] };
    };
    const first = await settled(held.start(route, live(), ignore, start));
    expect(first.inputRequests).toEqual({
      input_0: { method: 'roots/list' },
      input_1: { method: 'elicitation/create', params: { message: 'name?', requestedSchema: { type: 'object', properties: {} } } },
    });
    await expect(retry(held, first, { input_0: { roots: [] }, input_1: { action: 'decline' } })).resolves.toEqual({ got: [{ roots: [] }, { action: 'decline' }] });
  });

  it('waits for the backend to go quiet before sending a round, and no longer than the round cap', async () => {
    const held = new HeldCalls(sealer, 'w1');
    let ask!: Parameters<StartCall>[0];
    const started = held.start(route, live(), ignore, (a) => {
      ask = a;
      return new Promise(() => undefined);
    });
    let sent: JsonObject | undefined;
    void started.then((r) => (sent = r));
    // The backend never goes quiet: one ask every (settle - 1) ms, for twice the round cap.
    let asks = 0;
    const step = ASK_SETTLE_MS - 1;
    for (let t = 0; t < 2 * ASK_ROUND_MAX_MS; t += step) {
      void ask('roots/list', { at: t }).catch(() => undefined);
      asks++;
      await vi.advanceTimersByTimeAsync(step);
      if (t + step < ASK_ROUND_MAX_MS) expect(sent, `at ${t + step} ms`).toBeUndefined();
    }
    // The round went out at the cap with the asks so far; later ones wait for the next round.
    expect(sent?.resultType).toBe('input_required');
    const inRound = Object.keys(sent!.inputRequests as JsonObject).length;
    expect(inRound).toBeGreaterThan(1);
    expect(inRound).toBeLessThan(asks);
  });

  it('runs further rounds for asks that follow an answer, under the same handle and a new round number', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const start: StartCall = async (ask) => {
      const one = await ask('roots/list', undefined);
      const two = await ask('sampling/createMessage', sampling);
      return { one, two };
    };
    const first = await settled(held.start(route, live(), ignore, start));
    const second = await settled(retry(held, first, { input_0: { roots: [{ uri: 'file:///' }] } }));
    expect(second.inputRequests).toEqual({ input_1: { method: 'sampling/createMessage', params: sampling } });
    expect(stateOf(second)).toEqual({ handle: stateOf(first).handle, round: 2 });
    expect(second.requestState).not.toBe(first.requestState);
    await expect(retry(held, second, { input_1: { content: { type: 'text', text: 'x' } } })).resolves.toEqual({
      one: { roots: [{ uri: 'file:///' }] },
      two: { content: { type: 'text', text: 'x' } },
    });
  });

  it('refuses a retry carrying the state of an earlier round', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const first = await settled(
      held.start(route, live(), ignore, async (ask) => {
        await ask('roots/list', undefined);
        return ask('roots/list', { again: true });
      }),
    );
    await settled(retry(held, first, { input_0: { roots: [] } }));
    const err = await retry(held, first, { input_0: { roots: [] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).errorName).toBe('GW_ERR_INPUT_STATE_INVALID');
    expect((err as GatewayError).message).toBe(OLD_ROUND);
    await expect(held.resume(stateOf(first).handle, undefined, {}, live(), ignore)).rejects.toThrow(OLD_ROUND);
  });

  it('asks again for what a partial answer left out, and ignores answers to keys it never asked', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const start: StartCall = async (ask) => ({ all: await Promise.all([ask('roots/list', undefined), ask('roots/list', { n: 2 })]) });
    const first = await settled(held.start(route, live(), ignore, start));
    const second = await settled(retry(held, first, { input_0: { roots: [] }, input_9: { stray: true } }));
    expect(second.inputRequests).toEqual({ input_1: { method: 'roots/list', params: { n: 2 } } });
    await expect(retry(held, second, { input_1: { roots: [{ uri: 'file:///b' }] } })).resolves.toEqual({
      all: [{ roots: [] }, { roots: [{ uri: 'file:///b' }] }],
    });
  });

  it('treats missing or non-object inputResponses as no answers', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const first = await settled(held.start(route, live(), ignore, async (ask) => ask('roots/list', undefined)));
    const again = await settled(retry(held, first, 'nonsense'));
    expect(again.inputRequests).toEqual({ input_0: { method: 'roots/list' } });
  });

  it('refuses an answer that is not an object to the backend, with an exact error', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const start: StartCall = async (ask) => {
      try {
        await ask('roots/list', undefined);
        return { answered: true };
      } catch (err) {
        return { refused: (err as GatewayError).errorName, message: (err as Error).message };
      }
    };
    const first = await settled(held.start(route, live(), ignore, start));
    await expect(retry(held, first, { input_0: 'yes' })).resolves.toEqual({ refused: 'GW_ERR_INVALID_PARAMS', message: 'inputResponses.input_0 must be an object' });
  });

  it('keeps an outcome that arrives between rounds for the retry to collect, failing the unanswered ask', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const backendDone = deferred<JsonObject>();
    let askError: unknown;
    const start: StartCall = (ask) => {
      ask('roots/list', undefined).catch((err: unknown) => {
        askError = err;
      });
      return backendDone.promise;
    };
    const first = await settled(held.start(route, live(), ignore, start));
    backendDone.resolve({ content: 'finished anyway' });
    await vi.advanceTimersByTimeAsync(0);
    expect(askError).toBeInstanceOf(GatewayError);
    expect((askError as GatewayError).message).toBe('the call finished before the input was given');
    expect(held.size).toBe(1);
    await expect(retry(held, first, {})).resolves.toEqual({ content: 'finished anyway' });
    expect(held.size).toBe(0);
  });

  it('hands a failed outcome to the retry as the same error', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const failure = new Error('backend exploded');
    const backendDone = deferred<JsonObject>();
    const first = await settled(
      held.start(route, live(), ignore, (ask) => {
        ask('roots/list', undefined).catch(() => undefined);
        return backendDone.promise;
      }),
    );
    backendDone.reject(failure);
    await vi.advanceTimersByTimeAsync(0);
    await expect(retry(held, first, {})).rejects.toBe(failure);
  });

  it('refuses a retry for a handle it does not hold', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const caught = await held.resume('no-such-handle', 1, {}, live(), ignore).catch((err: unknown) => err);
    expect(caught).toBeInstanceOf(GatewayError);
    expect((caught as GatewayError).errorName).toBe('GW_ERR_INPUT_STATE_INVALID');
    expect((caught as GatewayError).message).toBe(NOT_HELD);
  });

  it('when no retry comes in time, fails the backend request with GW_ERR_CLIENT_NO_ANSWER and forgets the call', async () => {
    const held = new HeldCalls(sealer, 'w1', 1_000);
    let askError: unknown;
    const backendDone = deferred<JsonObject>();
    const first = held.start(route, live(), ignore, (ask) => {
      ask('sampling/createMessage', sampling).catch((err: unknown) => {
        askError = err;
        backendDone.reject(err);
      });
      return backendDone.promise;
    });
    await vi.advanceTimersByTimeAsync(ASK_SETTLE_MS);
    const round = await first;
    await vi.advanceTimersByTimeAsync(999);
    expect(held.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(askError).toBeInstanceOf(GatewayError);
    expect((askError as GatewayError).errorName).toBe('GW_ERR_CLIENT_NO_ANSWER');
    expect((askError as GatewayError).message).toBe('no retry with inputResponses within 1000 ms');
    expect(held.size).toBe(0);
    await expect(retry(held, round, { input_0: {} })).rejects.toThrow(NOT_HELD);
  });

  it('seals the state with the same expiry as the hold', async () => {
    const held = new HeldCalls(sealer, 'w1', 1_000);
    const started = held.start(route, live(), ignore, (ask) => ask('roots/list', undefined));
    // A single ask: the round goes out once the backend has been quiet for ASK_SETTLE_MS.
    await vi.advanceTimersByTimeAsync(ASK_SETTLE_MS);
    const first = await started;
    expect(() => sealer.open(first.requestState, route, Date.now() + 1_000)).not.toThrow();
    expect(() => sealer.open(first.requestState, route, Date.now() + 1_001)).toThrow('requestState rejected: it has expired');
  });

  it('a retry stops the expiry clock of its round', async () => {
    const held = new HeldCalls(sealer, 'w1', 1_000);
    const finish = deferred<JsonObject>();
    const first = await settled(
      held.start(route, live(), ignore, async (ask) => {
        await ask('roots/list', undefined);
        return finish.promise;
      }),
    );
    const result = retry(held, first, { input_0: { roots: [] } });
    await vi.advanceTimersByTimeAsync(5_000);
    finish.resolve({ late: 'but fine' });
    await expect(result).resolves.toEqual({ late: 'but fine' });
  });

  it('routes backend notifications to the request now waiting: the first, then each retry', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const firstStream: string[] = [];
    const retryStream: string[] = [];
    const progress = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 't', progress: n } });
    const start: StartCall = async (ask, _signal, notify) => {
      notify(progress(1));
      await ask('roots/list', undefined);
      notify(progress(2));
      return { ok: true };
    };
    const record = (into: string[]): Notify => (m) => void into.push(`${m.method}:${String(m.params?.progress)}`);
    const first = await settled(held.start(route, live(), record(firstStream), start));
    await retry(held, first, { input_0: { roots: [] } }, live(), record(retryStream));
    expect(firstStream).toEqual(['notifications/progress:1']);
    expect(retryStream).toEqual(['notifications/progress:2']);
  });

  // Two retries of one round at once: the second is refused at once (not left hanging), the first completes.
  it('refuses a second, concurrent retry of a round and completes the first', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const finish = deferred<JsonObject>();
    const first = await settled(
      held.start(route, live(), ignore, async (ask) => {
        await ask('roots/list', undefined);
        return finish.promise;
      }),
    );
    const retryA = retry(held, first, { input_0: { roots: [] } });
    const retryB = retry(held, first, {});
    await expect(retryB).rejects.toThrow('requestState rejected: another retry of this round is already being served');
    finish.resolve({ done: true });
    await expect(retryA).resolves.toEqual({ done: true });
  });

  it('a client abort while waiting aborts the backend call and settles with its outcome', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const client = new AbortController();
    let backendSignal: CancelSignal | undefined;
    const start: StartCall = (_ask, signal) => {
      backendSignal = signal;
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('backend call aborted'))));
    };
    const pending = held.start(route, client.signal, ignore, start);
    client.abort();
    await expect(pending).rejects.toThrow('backend call aborted');
    expect(backendSignal?.aborted).toBe(true);
    expect(held.size).toBe(0);
  });

  it('a client abort during a retry fails pending asks as cancelled and drops the call', async () => {
    const held = new HeldCalls(sealer, 'w1');
    const aborted = new AbortController();
    const errors: GatewayError[] = [];
    const secondAsked = deferred<void>();
    const start: StartCall = async (ask) => {
      await ask('roots/list', undefined);
      // The second ask is raised while the retry's request is open, then the client goes away.
      const second = ask('roots/list', { again: true }).catch((err: GatewayError) => {
        errors.push(err);
        throw err;
      });
      secondAsked.resolve();
      return second;
    };
    const first = await settled(held.start(route, live(), ignore, start));
    const pending = retry(held, first, { input_0: { roots: [] } }, aborted.signal);
    await secondAsked.promise;
    aborted.abort();
    await expect(pending).rejects.toThrow('request cancelled by the client');
    expect(errors[0]?.errorName).toBe('GW_ERR_INTERNAL');
    expect(errors[0]?.message).toBe('request cancelled by the client');
    expect(errors[0]?.data).toEqual({ cancelled: true });
    expect(held.size).toBe(0);
  });
});
