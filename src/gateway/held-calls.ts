/**
 * Modern client, legacy backend: the backend asks for sampling, elicitation
 * or roots with a JSON-RPC request in the middle of a call, but a 2026-07-28
 * client can only be asked through an `input_required` result and answers by
 * retrying. The gateway holds the backend call open, returns the backend's
 * requests as `inputRequests` with a sealed handle as `requestState`, and
 * when the retry arrives feeds the answers to the waiting backend and waits
 * again, for the final result or the next round.
 *
 * A held call lives in the worker that started it; the sealed state names
 * that worker, and a retry that lands elsewhere (another worker, another
 * node) is relayed to it over the bus (see RemoteResume below).
 */
import { uniqueId } from './unique-id.js';
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject, type JsonRpcNotification } from '../mcp/jsonrpc.js';
import { INPUT_STATE_TTL_MS } from '../config/defaults.js';
import type { StateSealer } from './request-state.js';
import { CancelSource, type CancelSignal } from './cancellation.js';

interface Ask {
  method: string;
  params: JsonObject | undefined;
  resolve(result: JsonObject): void;
  reject(err: unknown): void;
}

export type Notify = (message: JsonRpcNotification) => boolean | void;

/** Quiet time after a backend's last request before the round is sent to the client. */
export const ASK_SETTLE_MS = 5;
/** A round is sent at the latest this long after its first request. */
export const ASK_ROUND_MAX_MS = 50;

interface Held {
  handle: string;
  /** Bumps with every input_required round, so each round's requestState differs and an old one cannot be replayed. */
  round: number;
  asks: Map<string, Ask>;
  nextKey: number;
  outcome: { ok: true; value: JsonObject } | { ok: false; error: unknown } | undefined;
  /** Wakes whoever waits for the next step (a new ask or the outcome). */
  wake: (() => void) | undefined;
  abort: CancelSource;
  timer: NodeJS.Timeout | undefined;
  /** Where the backend's notifications go: the stream of the request (first or retry) now waiting. */
  notify: Notify;
  /** A retry of this round is being served: a second, concurrent one is refused. */
  busy: boolean;
  /** Dropped (expired or cancelled): must never be put back. */
  dropped: boolean;
  route: { backend: string; method: string; name: string; principal: string };
}

export type StartCall = (
  onServerRequest: (method: string, params: JsonObject | undefined) => Promise<JsonObject>,
  signal: CancelSignal,
  notify: Notify,
) => Promise<JsonObject>;

export class HeldCalls {
  private readonly held = new Map<string, Held>();

  /** Calls held for input now (each released when it finishes, expires or is cancelled). */
  get pendingCount(): number {
    return this.held.size;
  }

  constructor(
    private readonly sealer: StateSealer,
    /** Names this worker in the states it seals, so a retry elsewhere finds its way back. */
    readonly workerId: string,
    private readonly ttlMs = INPUT_STATE_TTL_MS,
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** Starts a call that may need client input; resolves with its result or an input_required result. */
  start(route: Held['route'], signal: CancelSignal, notify: Notify, start: StartCall): Promise<JsonObject> {
    const h: Held = {
      handle: uniqueId(),
      round: 0,
      asks: new Map(),
      nextKey: 0,
      outcome: undefined,
      wake: undefined,
      abort: new CancelSource(),
      timer: undefined,
      notify,
      busy: false,
      dropped: false,
      route,
    };
    const onServerRequest = (method: string, params: JsonObject | undefined) =>
      new Promise<JsonObject>((resolve, reject) => {
        h.asks.set(`input_${h.nextKey++}`, { method, params, resolve, reject });
        h.wake?.();
      });
    start(onServerRequest, h.abort.signal, (m) => h.notify(m)).then(
      (value) => this.settle(h, { ok: true, value }),
      (error: unknown) => this.settle(h, { ok: false, error }),
    );
    return this.step(h, signal);
  }

  /** A retry carrying answers for a call held by this worker. */
  resume(handle: string, round: number | undefined, inputResponses: unknown, signal: CancelSignal, notify: Notify): Promise<JsonObject> {
    const h = this.held.get(handle);
    if (!h) {
      return Promise.reject(new GatewayError('GW_ERR_INPUT_STATE_INVALID', 'requestState rejected: the call it refers to is no longer held (it finished, expired, or was cancelled)'));
    }
    if (round !== h.round) {
      return Promise.reject(new GatewayError('GW_ERR_INPUT_STATE_INVALID', 'requestState rejected: it belongs to an earlier round of this call'));
    }
    if (h.busy) {
      return Promise.reject(new GatewayError('GW_ERR_INPUT_STATE_INVALID', 'requestState rejected: another retry of this round is already being served'));
    }
    clearTimeout(h.timer);
    h.notify = notify;
    const answers = isObject(inputResponses) ? inputResponses : {};
    for (const [key, ask] of h.asks) {
      if (!(key in answers)) continue;
      const answer = answers[key];
      h.asks.delete(key);
      if (isObject(answer)) ask.resolve(answer);
      else ask.reject(new GatewayError('GW_ERR_INVALID_PARAMS', `inputResponses.${key} must be an object`));
    }
    return this.step(h, signal);
  }

  private step(h: Held, signal: CancelSignal): Promise<JsonObject> {
    h.busy = true;
    return new Promise<JsonObject>((resolve, reject) => {
      const onAbort = () => {
        h.abort.abort();
        this.drop(h, new GatewayError('GW_ERR_INTERNAL', 'request cancelled by the client', { cancelled: true }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const decide = () => {
        if (h.outcome) {
          signal.removeEventListener('abort', onAbort);
          h.wake = undefined;
          h.busy = false;
          clearTimeout(h.timer);
          this.held.delete(h.handle);
          if (h.outcome.ok) resolve(h.outcome.value);
          else reject(h.outcome.error);
          return;
        }
        if (h.asks.size === 0) {
          h.wake = decide;
          return;
        }
        // A backend sends the requests of one round in a burst, which may reach us
        // in several reads (a stdio backend's separate writes): let siblings join.
        const firstAskAt = Date.now();
        let settle: NodeJS.Timeout | undefined;
        const roundComplete = () => {
          h.wake = undefined;
          signal.removeEventListener('abort', onAbort);
          if (h.outcome) {
            decide();
            return;
          }
          h.busy = false;
          if (h.dropped) {
            reject(new GatewayError('GW_ERR_INTERNAL', 'request cancelled by the client', { cancelled: true }));
            return;
          }
          h.round++;
          this.held.set(h.handle, h);
          h.timer = setTimeout(() => this.drop(h, new GatewayError('GW_ERR_CLIENT_NO_ANSWER', `no retry with inputResponses within ${this.ttlMs} ms`)), this.ttlMs);
          resolve(this.inputRequired(h));
        };
        const rearm = () => {
          clearTimeout(settle);
          const left = ASK_ROUND_MAX_MS - (Date.now() - firstAskAt);
          settle = setTimeout(roundComplete, Math.max(0, Math.min(ASK_SETTLE_MS, left)));
        };
        h.wake = () => (h.outcome ? (clearTimeout(settle), roundComplete()) : rearm());
        rearm();
      };
      decide();
    });
  }

  private inputRequired(h: Held): JsonObject {
    const inputRequests: JsonObject = {};
    for (const [key, ask] of h.asks) inputRequests[key] = ask.params === undefined ? { method: ask.method } : { method: ask.method, params: ask.params };
    const { backend, method, name, principal } = h.route;
    const requestState = this.sealer.seal({ k: 'held', h: h.handle, r: h.round, w: this.workerId, b: backend, m: method, n: name, p: principal, e: Date.now() + this.ttlMs });
    return { resultType: 'input_required', inputRequests, requestState };
  }

  private settle(h: Held, outcome: NonNullable<Held['outcome']>): void {
    h.outcome = outcome;
    for (const ask of h.asks.values()) ask.reject(new GatewayError('GW_ERR_INTERNAL', 'the call finished before the input was given'));
    h.asks.clear();
    // With nobody waiting, the outcome stays held (until its expiry) for the client's retry to collect.
    h.wake?.();
  }

  private drop(h: Held, reason: GatewayError): void {
    h.dropped = true;
    clearTimeout(h.timer);
    this.held.delete(h.handle);
    for (const ask of h.asks.values()) ask.reject(reason);
    h.asks.clear();
  }
}
