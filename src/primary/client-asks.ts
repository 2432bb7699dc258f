/**
 * Backend-to-client requests (sampling, elicitation, roots) on their way
 * through a worker to the client. Each gets a primary-wide id (`sid`), so a
 * worker's answer finds the child's original request whichever child sent it.
 */
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject, JsonRpcErrorObject } from '../mcp/jsonrpc.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import type { PrimaryToWorker } from '../ipc/stdio-protocol.js';
import type { ChildSession } from './child-session.js';
import { sendPaced, type Owner, type WorkerPort } from './worker-calls.js';

interface Ask {
  resolve(result: JsonObject): void;
  reject(err: unknown): void;
  worker: WorkerPort;
  session: ChildSession<Owner>;
}

export type AskMessage = Omit<Extract<PrimaryToWorker, { t: 'ask' }>, 'sid'>;

export class ClientAsks {
  private nextSid = 1;
  private readonly asks = new Map<number, Ask>();

  get size(): number {
    return this.asks.size;
  }

  /** Sends `message` to `worker` and resolves with the client's answer. */
  ask(worker: WorkerPort, session: ChildSession<Owner>, message: AskMessage): Promise<JsonObject> {
    const sid = this.nextSid++;
    return new Promise<JsonObject>((resolve, reject) => {
      this.asks.set(sid, { resolve, reject, worker, session });
      // Released on every path: a request that cannot reach the worker fails now, its entry with it.
      let sent: boolean | void = false;
      try {
        sent = sendPaced(session, worker, { ...message, t: 'ask', sid });
      } finally {
        if (sent === false) {
          this.asks.delete(sid);
          reject(new GatewayError('GW_ERR_BACKEND_LIMIT', `only1mcp: ${message.m} cannot be passed to the client (it breaks an input limit, or the worker is gone)`));
        }
      }
    });
  }

  answer(sid: number, result: JsonObject | undefined, error: JsonRpcErrorObject | undefined): void {
    const ask = this.asks.get(sid);
    if (!ask) return;
    this.asks.delete(sid);
    if (error) ask.reject(new UpstreamRpcError(error.code, error.message, error.data));
    else ask.resolve(result ?? {});
  }

  workerGone(worker: WorkerPort): void {
    this.failWhere((a) => a.worker === worker, new GatewayError('GW_ERR_CLIENT_NO_ANSWER', 'the worker holding the client went away'));
  }

  sessionGone(session: ChildSession<Owner>, error: GatewayError): void {
    this.failWhere((a) => a.session === session, error);
  }

  private failWhere(match: (a: Ask) => boolean, error: GatewayError): void {
    for (const [sid, ask] of this.asks) {
      if (!match(ask)) continue;
      this.asks.delete(sid);
      ask.reject(error);
    }
  }
}
