/**
 * Errors that travel between workers on the bus (relayed calls, relayed
 * retries) as JSON, rebuilt on the other side as the same kind: a gateway
 * error from its registry name, a peer's JSON-RPC error as it was.
 */
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';
import { UpstreamRpcError, toRpcError } from '../backends/rpc-connection.js';

export function wireError(err: unknown): JsonObject {
  if (err instanceof GatewayError) return { gw: err.toWire() as unknown as JsonObject };
  return { rpc: toRpcError(err) as unknown as JsonObject };
}

export function fromWireError(error: JsonObject | undefined): Error {
  if (error && isObject(error.gw)) return GatewayError.fromWire(error.gw as never);
  const rpc = (error?.rpc ?? {}) as { code?: number; message?: string; data?: unknown };
  return new UpstreamRpcError(rpc.code ?? -32603, rpc.message ?? 'the relayed call failed', rpc.data);
}
