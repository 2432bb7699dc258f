/**
 * One JSON-RPC connection to a backend over a message link (a stdio pipe or a
 * legacy HTTP+SSE stream), shared by many callers.
 *
 * Callers' ids never reach the backend: each request gets a fresh id from
 * this connection's counter, so fifty clients that all start at id 0 cannot
 * receive each other's answers. Progress tokens are rewritten the same way,
 * which makes progress routing exact. Other backend-initiated messages are
 * routed with InFlightIndex (see attribution.ts).
 */
import { GatewayError } from '../mcp/errors.js';
import {
  classify,
  failure,
  isObject,
  metaOf,
  type JsonObject,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../mcp/jsonrpc.js';
import { InFlightIndex, type InFlight } from './attribution.js';
import type { JsonLimitError } from '../mcp/json-limits.js';

export interface ConnectionHandlers<O> {
  /** A notification; `owner` is set when it belongs to a call in flight. */
  onNotification(message: JsonRpcNotification, owner: O | undefined): void;
  /** A backend-to-client request; `owner` is set when it can be attributed to one call. */
  onServerRequest(message: JsonRpcRequest, owner: O | undefined): Promise<JsonObject>;
  /** A line or message that is not JSON-RPC; counted by the caller. */
  onInvalid?(reason: string): void;
  /** A message past an input limit (refused unparsed): the caller names the backend in its log, once per kind. */
  onLimit?(reason: string): void;
}

interface Pending<O> extends InFlight<O> {
  resolve(response: JsonRpcResponse): void;
  progressToken: string | undefined;
}

export class RpcConnection<O> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<O>>();
  private readonly inFlight = new InFlightIndex<O>();
  private readonly progress = new Map<string, { owner: O; token: unknown }>();

  constructor(
    /** Sends one message; returning false means the peer cannot take it now (the call fails as overloaded). */
    private readonly write: (message: JsonRpcMessage) => boolean | void,
    private readonly handlers: ConnectionHandlers<O>,
    /** Prefix of rewritten progress tokens, unique per connection for log readability. */
    private readonly tokenPrefix = 'o1m-',
  ) {}

  get inFlightCount(): number {
    return this.pending.size;
  }

  /**
   * Sends a request under a fresh id and resolves with the backend's response
   * (its `id` is this connection's, not the caller's).
   */
  request(method: string, params: JsonObject | undefined, owner: O, group: string, attributable = true): { id: number; response: Promise<JsonRpcResponse> } {
    const id = this.nextId++;
    let outParams = params;
    let progressToken: string | undefined;
    const meta = metaOf(params);
    if (meta && meta.progressToken !== undefined) {
      progressToken = `${this.tokenPrefix}${id}`;
      this.progress.set(progressToken, { owner, token: meta.progressToken });
      outParams = { ...params, _meta: { ...meta, progressToken } };
    }
    const response = new Promise<JsonRpcResponse>((resolve) => {
      const entry: Pending<O> = { owner, group, startedAt: performance.now(), resolve, progressToken };
      this.pending.set(id, entry);
      // Long-lived requests (subscriptions/listen) must not make every other call's logs ambiguous.
      if (attributable) this.inFlight.add(id, entry);
    });
    const message: JsonRpcRequest = outParams === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: outParams };
    let written: boolean | void;
    try {
      written = this.write(message);
    } catch (err) {
      // Released on every path: a request that cannot be encoded fails now, its registration with it.
      this.settle(id)?.resolve(failure(id, new GatewayError('GW_ERR_INVALID_PARAMS', `${method} cannot be sent to the backend: ${err instanceof Error ? err.message : String(err)}`).toJsonRpc()));
      return { id, response };
    }
    if (written === false) {
      const entry = this.settle(id);
      entry?.resolve(failure(id, new GatewayError('GW_ERR_OVERLOADED', `the backend is not reading its input (${method} refused)`).toJsonRpc()));
    }
    return { id, response };
  }

  notify(method: string, params?: JsonObject): void {
    this.write(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  /** Abandons a call (timeout or client cancellation) and tells the backend. */
  cancel(id: number, reason: string): void {
    if (!this.settle(id)) return;
    this.notify('notifications/cancelled', { requestId: id, reason });
  }

  /** Fails one call in flight (its answer could not be taken); no-op for an id not pending. */
  fail(id: number, error: GatewayError): void {
    this.settle(id)?.resolve(failure(id, error.toJsonRpc()));
  }

  /** Fails every call in flight, e.g. when the backend process died. */
  failAll(error: GatewayError): void {
    for (const [id, entry] of this.pending) {
      this.settle(id);
      entry.resolve(failure(id, error.toJsonRpc()));
    }
  }

  /** Feeds one message received from the backend. */
  receive(value: unknown): void {
    const c = classify(value);
    switch (c.kind) {
      case 'response':
        this.onResponse(c.message);
        return;
      case 'notification':
        this.onNotification(c.message);
        return;
      case 'request':
        this.onServerRequest(c.message);
        return;
      case 'invalid':
        this.handlers.onInvalid?.(c.reason);
        return;
    }
  }

  /**
   * A message the backend sent past an input limit, refused before parsing.
   * Its top level still says what it was: an answer fails its call at once
   * (a backend fault, not the client's: GW_ERR_BACKEND_LIMIT), a request is
   * refused to the backend, a notification is dropped. Never a hang until
   * the call's timeout.
   */
  receiveRefused(err: JsonLimitError): void {
    this.handlers.onLimit?.(err.message);
    const id = err.id();
    if (err.isResponse()) {
      if (typeof id !== 'number') return;
      const entry = this.settle(id);
      entry?.resolve(failure(id, err.toGatewayError('GW_ERR_BACKEND_LIMIT', 'the backend\'s answer was refused: ').toJsonRpc()));
      return;
    }
    if (err.top().has.method && id !== null) this.write(failure(id, { code: -32600, message: `only1mcp: request refused: ${err.message}` }));
  }

  private settle(id: number): Pending<O> | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    this.inFlight.delete(id);
    if (entry.progressToken !== undefined) this.progress.delete(entry.progressToken);
    return entry;
  }

  private onResponse(message: JsonRpcResponse): void {
    if (typeof message.id !== 'number') {
      this.handlers.onInvalid?.(`response with an id this connection never sent: ${JSON.stringify(message.id)}`);
      return;
    }
    const entry = this.settle(message.id);
    // A response after cancel or timeout is expected and dropped.
    entry?.resolve(message);
  }

  private onNotification(message: JsonRpcNotification): void {
    if (message.method === 'notifications/progress' && isObject(message.params)) {
      const route = this.progress.get(String(message.params.progressToken));
      if (route) {
        this.handlers.onNotification({ ...message, params: { ...message.params, progressToken: route.token } }, route.owner);
      }
      return;
    }
    const owner = message.method === 'notifications/message' ? this.inFlight.attribute()?.owner : undefined;
    this.handlers.onNotification(message, owner);
  }

  private onServerRequest(message: JsonRpcRequest): void {
    const entry = this.inFlight.attribute();
    const answered = entry ? this.inFlight.waitingOnClient(entry) : () => undefined;
    const reply = (response: JsonRpcResponse) => {
      answered();
      this.write(response);
    };
    this.handlers.onServerRequest(message, entry?.owner).then(
      (result) => reply({ jsonrpc: '2.0', id: message.id, result }),
      (err: unknown) => reply(failure(message.id, toRpcError(err))),
    );
  }
}

/** Error object for a failed answer to a backend's request. */
export function toRpcError(err: unknown): { code: number; message: string; data?: unknown } {
  if (err instanceof GatewayError) return err.toJsonRpc();
  if (err instanceof UpstreamRpcError) return err.toJsonRpc();
  return { code: -32603, message: err instanceof Error ? err.message : String(err) };
}

/**
 * A JSON-RPC error that a peer (a backend, or a client answering a
 * server-to-client request) sent; it is passed on unchanged.
 */
export class UpstreamRpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = 'UpstreamRpcError';
  }

  toJsonRpc(): { code: number; message: string; data?: unknown } {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

export type { JsonRpcId };
