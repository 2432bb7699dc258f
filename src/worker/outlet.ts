/**
 * Where the messages of one client request go: request-scoped notifications,
 * requests to the client (legacy era only), and the final response. The
 * Streamable HTTP POST and the legacy SSE transport each provide one.
 */
import type { JsonObject, JsonRpcNotification, JsonRpcResponse } from '../mcp/jsonrpc.js';
import type { CancelSignal } from '../gateway/cancellation.js';

export interface Outlet {
  readonly signal: CancelSignal;
  /** false: dropped, the client's stream being full (the caller counts it). */
  notify(message: JsonRpcNotification): boolean | void;
  ask: ((method: string, params: JsonObject | undefined) => Promise<JsonObject>) | undefined;
  respond(response: JsonRpcResponse, httpStatus?: number): void;
}
