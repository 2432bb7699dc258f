/**
 * RemoteResume: a 2026 retry that lands on a worker other than the one
 * holding its call is relayed over the store's bus. Two "workers" here are
 * two HeldCalls/RemoteResume pairs on one MemoryStore (the in-process bus).
 */
import type { CancelSignal } from '../../src/gateway/cancellation.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ASK_ROUND_MAX_MS, HeldCalls, type StartCall } from '../../src/gateway/held-calls.js';
import { RemoteResume } from '../../src/gateway/remote-resume.js';
import { StateSealer } from '../../src/gateway/request-state.js';
import { MemoryStore } from '../../src/state/memory-store.js';

const sealer = new StateSealer(Buffer.alloc(32, 3));
const route = { backend: 'legacy', method: 'tools/call', name: 'summarise', principal: 'alice' };
const sampling = { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 };
const live = () => new AbortController().signal;

const stores: MemoryStore[] = [];
const relays: RemoteResume[] = [];
afterEach(async () => {
  for (const r of relays.splice(0)) r.close();
  for (const s of stores.splice(0)) await s.close();
});

function cluster() {
  const store = new MemoryStore();
  stores.push(store);
  const worker = (id: string) => {
    const held = new HeldCalls(sealer, id);
    const relay = new RemoteResume(held, store);
    relays.push(relay);
    return { held, relay };
  };
  return { store, a: worker('wa'), b: worker('wb') };
}

/**
 * Starts a call on `held` whose backend asks for sampling once, then (with
 * `thenWait`) works until cancelled; returns the input_required result's handle and round.
 */
async function heldCall(held: HeldCalls, thenWait = false) {
  let backendSignal: CancelSignal | undefined;
  const start: StartCall = async (ask, signal) => {
    backendSignal = signal;
    const answer = await ask('sampling/createMessage', sampling);
    if (thenWait) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    return { content: [{ type: 'text', text: `done: ${JSON.stringify(answer)}` }] };
  };
  const first = held.start(route, live(), () => undefined, start);
  await new Promise((r) => setTimeout(r, ASK_ROUND_MAX_MS + 20));
  const result = await first;
  const state = sealer.open(result.requestState, route);
  return { result, handle: state.h!, round: state.r!, backendSignal: () => backendSignal };
}

describe('RemoteResume', () => {
  it('relays a retry to the worker holding the call and returns its outcome', async () => {
    const { a, b } = cluster();
    const { handle, round } = await heldCall(a.held);
    const outcome = await b.relay.resume('wa', handle, round, { input_0: { text: 'ok' } }, live(), () => undefined);
    expect((outcome.content as Array<{ text: string }>)[0]!.text).toBe('done: {"text":"ok"}');
    expect(a.held.size).toBe(0);
  });

  it('fails at once, not after the relay timeout, when nobody listens on the owner\'s channel', async () => {
    const { b } = cluster();
    // With the ten-minute relay timeout this would time the test out.
    await expect(b.relay.resume('gone-worker', 'h', 1, {}, live(), () => undefined)).rejects.toThrow(
      'requestState rejected: the gateway worker holding this call has stopped; start the call again',
    );
  });

  it('passes a client\'s cancellation of the relayed retry on to the held call', async () => {
    const { a, b } = cluster();
    const call = await heldCall(a.held, true);
    // The backend keeps working after the answer, so the retry stays in flight until cancelled.
    const controller = new AbortController();
    const pending = b.relay.resume('wa', call.handle, call.round, { input_0: { text: 'ok' } }, controller.signal, () => undefined);
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    await new Promise((r) => setTimeout(r, 20));
    expect(call.backendSignal()?.aborted).toBe(true);
    expect(a.held.size).toBe(0);
  });

  it('refuses at once a retry whose client has already gone', async () => {
    const { b } = cluster();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(b.relay.resume('wa', 'h', 1, {}, controller.signal, () => undefined)).rejects.toThrow('gone');
  });
});

