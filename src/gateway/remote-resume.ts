/**
 * Relays a 2026-07-28 retry to the worker that holds its call.
 *
 * The retry carries inputResponses for a call held by worker W (named in
 * the sealed requestState). If that is us, HeldCalls resumes it; otherwise
 * the retry is sent on W's bus channel and W answers on ours with the
 * backend's notifications and then the outcome, which we pass to the client
 * as if the call ran here.
 */
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject, JsonRpcNotification } from '../mcp/jsonrpc.js';
import { fromWireError, wireError } from './wire-error.js';
import { workerChannel, type BusMessage, type StateStore } from '../state/store.js';
import type { HeldCalls, Notify } from './held-calls.js';
import type { CancelSignal } from './cancellation.js';

/** How long a relayed step may take before the retry fails (the owner may have died). */
export const REMOTE_RESUME_TIMEOUT_MS = 10 * 60_000;

interface Waiting {
  notify: Notify;
  resolve(result: JsonObject): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

export class RemoteResume {
  private readonly waiting = new Map<string, Waiting>();

  /** Resumes relayed to the worker holding their call, waiting for its answer. */
  get pendingCount(): number {
    return this.waiting.size;
  }
  /** Resumes this worker runs for retries that arrived elsewhere, by relay id: their client may cancel. */
  private readonly relayed = new Map<string, AbortController>();
  private readonly unsubscribe: () => void;

  constructor(private readonly held: HeldCalls, private readonly store: StateStore) {
    this.unsubscribe = store.subscribe(workerChannel(held.workerId), (m) => this.onBus(m));
  }

  resume(owner: string | undefined, handle: string, round: number | undefined, inputResponses: unknown, signal: CancelSignal, notify: Notify): Promise<JsonObject> {
    if (owner === undefined || owner === this.held.workerId) return this.held.resume(handle, round, inputResponses, signal, notify);
    if (signal.aborted) return Promise.reject(signal.reason ?? new Error('cancelled'));
    const rid = randomBytes(9).toString('base64url');
    return new Promise<JsonObject>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiting.delete(rid);
      };
      const timer = setTimeout(() => {
        settle();
        reject(new GatewayError('GW_ERR_INPUT_STATE_INVALID', 'requestState rejected: the gateway worker holding this call did not answer (it may have stopped)'));
      }, REMOTE_RESUME_TIMEOUT_MS);
      // The client went away: the owner stops the held call, as it would for a local one.
      const onAbort = () => {
        settle();
        void this.store.publish(workerChannel(owner), { t: 'resume-cancel', rid }).catch(() => undefined);
        reject(signal.reason ?? new Error('cancelled'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(rid, { notify, resolve: (r) => (settle(), resolve(r)), reject: (e) => (settle(), reject(e)), timer });
      this.store.publish(workerChannel(owner), { t: 'resume', handle, round, inputResponses, rid, replyTo: this.held.workerId }).then(
        (receivers) => {
          // Nobody listens on the owner's channel: that worker is gone, and the call with it. Say so now, not in ten minutes.
          if (receivers > 0 || !this.waiting.has(rid)) return;
          settle();
          reject(new GatewayError('GW_ERR_INPUT_STATE_INVALID', 'requestState rejected: the gateway worker holding this call has stopped; start the call again'));
        },
        () => {
          settle();
          reject(new GatewayError('GW_ERR_STATE_UNAVAILABLE', 'this retry belongs to a call held by another gateway worker, and the shared state store cannot be reached to relay it'));
        },
      );
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private onBus(message: BusMessage): void {
    if (message.t === 'resume') {
      const reply = (m: Extract<BusMessage, { t: 'resumed' }>) => void this.store.publish(workerChannel(message.replyTo), m).catch(() => undefined);
      const controller = new AbortController();
      this.relayed.set(message.rid, controller);
      this.held
        .resume(message.handle, message.round, message.inputResponses, controller.signal, (n) => reply({ t: 'resumed', rid: message.rid, notification: n as unknown as JsonObject }))
        .then(
          (result) => reply({ t: 'resumed', rid: message.rid, result }),
          (err: unknown) => reply({ t: 'resumed', rid: message.rid, error: wireError(err) }),
        )
        .finally(() => this.relayed.delete(message.rid));
      return;
    }
    if (message.t === 'resume-cancel') {
      this.relayed.get(message.rid)?.abort(new GatewayError('GW_ERR_INTERNAL', 'the client cancelled the relayed retry'));
      return;
    }
    if (message.t !== 'resumed') return;
    const w = this.waiting.get(message.rid);
    if (!w) return;
    if (message.notification) {
      w.notify(message.notification as unknown as JsonRpcNotification);
      return;
    }
    if (message.result) w.resolve(message.result);
    else w.reject(fromWireError(message.error));
  }
}
