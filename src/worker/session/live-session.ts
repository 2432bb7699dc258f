/**
 * The worker-local side of a 2025-era session: its open streams, the
 * requests it has in flight (for notifications/cancelled), the requests the
 * gateway sent to the client and awaits answers for, and its resource
 * subscriptions. The durable part (SessionRecord) lives in the store.
 */
import { GatewayError } from '../../mcp/errors.js';
import type { JsonObject, JsonRpcId, JsonRpcResponse } from '../../mcp/jsonrpc.js';
import { UpstreamRpcError } from '../../backends/rpc-connection.js';
import { OutStream, newStreamId } from './out-stream.js';
import { DEFAULT_CLIENT_ANSWER_TIMEOUT_MS } from '../../config/defaults.js';
import type { SessionRecord, StateStore } from '../../state/store.js';

interface PendingAsk {
  resolve(result: JsonObject): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

export class LiveSession {
  /** The standalone stream (GET /mcp, or the /sse connection of the legacy transport). */
  readonly standalone: OutStream;
  readonly streams = new Map<string, OutStream>();
  readonly inflight = new Map<JsonRpcId, AbortController>();
  readonly subscriptions = new Set<string>();
  private readonly asks = new Map<string, PendingAsk>();
  private nextAsk = 0;
  lastSeen = Date.now();

  constructor(public record: SessionRecord, private readonly store: StateStore) {
    this.standalone = new OutStream(`g${newStreamId()}`, record.id, store);
    this.streams.set(this.standalone.id, this.standalone);
  }

  get id(): string {
    return this.record.id;
  }

  /** A new resumable stream for one POST response. */
  openStream(): OutStream {
    const stream = new OutStream(newStreamId(), this.record.id, this.store);
    this.streams.set(stream.id, stream);
    // An ended stream is replayed from the event log alone; only live ones stay here.
    stream.whenEnded(() => this.streams.delete(stream.id));
    return stream;
  }

  /** Sends a request to the client on `stream` and waits for the answer that arrives in a later POST. */
  ask(stream: OutStream, method: string, params: JsonObject | undefined, timeoutMs = DEFAULT_CLIENT_ANSWER_TIMEOUT_MS): Promise<JsonObject> {
    const id = `o1m-${this.nextAsk++}`;
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.asks.delete(id);
        reject(new GatewayError('GW_ERR_CLIENT_NO_ANSWER', `the client did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.asks.set(id, { resolve, reject, timer });
      void stream.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    });
  }

  /** A JSON-RPC response the client posted; false when no ask of this session waits for it. */
  answer(response: JsonRpcResponse): boolean {
    const key = String(response.id);
    const ask = this.asks.get(key);
    if (!ask) return false;
    this.asks.delete(key);
    clearTimeout(ask.timer);
    if ('error' in response) ask.reject(new UpstreamRpcError(response.error.code, response.error.message, response.error.data));
    else ask.resolve(response.result);
    return true;
  }

  /** Ends everything: in-flight calls are cancelled, waiting asks refused, streams closed. */
  close(): void {
    for (const controller of this.inflight.values()) controller.abort();
    this.inflight.clear();
    for (const ask of this.asks.values()) {
      clearTimeout(ask.timer);
      ask.reject(new GatewayError('GW_ERR_SESSION_NOT_FOUND', 'the session ended'));
    }
    this.asks.clear();
    for (const stream of this.streams.values()) void stream.end();
    this.streams.clear();
  }
}
