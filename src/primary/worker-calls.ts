/**
 * The primary's table of calls workers have in flight on stdio children:
 * (worker, the worker's call id) → the child session and the id on its pipe.
 * Cancellation and a worker's exit find a call here in one lookup, whichever
 * child (the node's shared one or a per-client one) runs it.
 */
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { PrimaryToWorker } from '../ipc/stdio-protocol.js';
import type { ChildSession } from './child-session.js';
import { IPC_CHANNEL_MAX_BUFFERED_BYTES } from '../config/defaults.js';

export interface WorkerPort {
  readonly index: number;
  /** false: not sent (the channel is closed, or the message cannot be framed and was answered for). */
  send(message: PrimaryToWorker): boolean | void;
  /** Bytes queued to this worker and not yet taken (IPC_CHANNEL_MAX_BUFFERED_BYTES bounds it). */
  bufferedBytes(): number;
  /** Resolves when the queued bytes have left, or the worker is gone. */
  drained(): Promise<void>;
}

/**
 * Sends what a child wrote on to a worker, and stops reading the child while
 * that worker's channel is over its bound: the backend's pipe fills and its
 * writes block, so a flooding backend runs at the pace of the slowest worker
 * it is talking to instead of filling the primary's memory. Nothing is
 * dropped here (the worker drops notifications a slow client cannot take).
 */
export function sendPaced(session: ChildSession<Owner>, worker: WorkerPort, message: PrimaryToWorker): boolean | void {
  const sent = worker.send(message);
  if (worker.bufferedBytes() > IPC_CHANNEL_MAX_BUFFERED_BYTES) session.child.holdUntil(worker.drained());
  return sent;
}

/** Who waits for a call on a child: a worker's call, or the gateway itself (handshake, subscriptions). */
export type Owner = { worker: WorkerPort; id: number } | { worker: undefined; id: 0 };

export const HOST_OWNER: Owner = Object.freeze({ worker: undefined, id: 0 });

/** What a result message adds about the child that served it (per-client children). */
export type ResultExtra = Pick<Extract<PrimaryToWorker, { t: 'result' }>, 'inst' | 'reset'>;

interface Entry {
  session: ChildSession<Owner>;
  childId: number;
}

export class WorkerCalls {
  private readonly calls = new Map<string, Entry>();

  get size(): number {
    return this.calls.size;
  }

  /** Sends the call on `session` and the answer back to the worker, whatever happens in between. */
  run(session: ChildSession<Owner>, worker: WorkerPort, id: number, method: string, params: JsonObject | undefined, group: string, extra: ResultExtra = {}): void {
    const sent = session.conn.request(method, params, { worker, id }, group);
    const key = keyOf(worker, id);
    this.calls.set(key, { session, childId: sent.id });
    void sent.response.then((response) => {
      if (this.calls.get(key)?.childId === sent.id) this.calls.delete(key);
      if ('error' in response) sendPaced(session, worker, { t: 'result', id, e: response.error, ...extra });
      else sendPaced(session, worker, { t: 'result', id, r: response.result, ...extra });
    });
  }

  cancel(worker: WorkerPort, id: number, reason: string): void {
    const key = keyOf(worker, id);
    const entry = this.calls.get(key);
    if (!entry) return;
    this.calls.delete(key);
    entry.session.conn.cancel(entry.childId, reason);
  }

  /** A worker went away: its calls are cancelled on their children. */
  workerGone(worker: WorkerPort): void {
    const prefix = `${worker.index}:`;
    for (const [key, entry] of this.calls) {
      if (!key.startsWith(prefix)) continue;
      this.calls.delete(key);
      entry.session.conn.cancel(entry.childId, 'worker exited');
    }
  }

  /** A child is gone: its entries go (its connection already failed the calls themselves). */
  forget(session: ChildSession<Owner>): void {
    for (const [key, entry] of this.calls) if (entry.session === session) this.calls.delete(key);
  }
}

function keyOf(worker: WorkerPort, id: number): string {
  return `${worker.index}:${id}`;
}

/** A gateway error as a result message. */
export function failResult(worker: WorkerPort, id: number, error: GatewayError, extra: ResultExtra = {}): void {
  worker.send({ t: 'result', id, ge: error.toWire(), ...extra });
}
