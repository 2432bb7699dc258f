/**
 * JSON-RPC 2.0 message shapes and the one classifier every inbound byte goes
 * through. The gateway forwards raw JSON-RPC; it never runs the SDK's
 * zod schemas on the hot path, so this file checks exactly what routing needs
 * (envelope, id, method) and leaves params to the backend that owns them.
 */

export type JsonRpcId = string | number;
export type JsonObject = Record<string, unknown>;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: JsonObject;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: JsonObject;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: JsonObject;
}

export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export type Classified =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  | { kind: 'invalid'; reason: string; id: JsonRpcId | null };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** Classifies one parsed JSON value as a JSON-RPC message, or says why it is not one. */
export function classify(value: unknown): Classified {
  if (!isObject(value)) {
    return { kind: 'invalid', reason: 'a JSON-RPC message must be a JSON object', id: null };
  }
  const id = isId(value.id) ? value.id : null;
  if (value.jsonrpc !== '2.0') {
    return { kind: 'invalid', reason: 'the "jsonrpc" member must be exactly "2.0"', id };
  }
  if ('method' in value) {
    if (typeof value.method !== 'string' || value.method.length === 0) {
      return { kind: 'invalid', reason: 'the "method" member must be a non-empty string', id };
    }
    if (value.params !== undefined && !isObject(value.params)) {
      return { kind: 'invalid', reason: 'the "params" member must be an object when present', id };
    }
    if (!('id' in value)) return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    if (!isId(value.id)) {
      return { kind: 'invalid', reason: 'a request "id" must be a string or a number (not null)', id: null };
    }
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  if ('result' in value || 'error' in value) {
    // An error without any id is read as id null: servers that reject at the
    // transport level often omit it (JSON-RPC says null).
    if (!isId(value.id) && value.id !== null && !('error' in value && value.id === undefined)) {
      return { kind: 'invalid', reason: 'a response "id" must be a string or a number', id: null };
    }
    if ('result' in value && !isObject(value.result)) {
      return { kind: 'invalid', reason: 'a response "result" must be an object', id };
    }
    if ('error' in value) {
      const err = value.error;
      if (!isObject(err) || typeof err.code !== 'number' || typeof err.message !== 'string') {
        return { kind: 'invalid', reason: 'a response "error" must have a numeric code and a string message', id };
      }
    }
    const message = (value.id === undefined ? { ...value, id: null } : value) as unknown as JsonRpcResponse;
    return { kind: 'response', message };
  }
  return { kind: 'invalid', reason: 'a JSON-RPC message needs a "method", a "result" or an "error"', id };
}

export function success(id: JsonRpcId, result: JsonObject): JsonRpcSuccess {
  return { jsonrpc: '2.0', id, result };
}

export function failure(id: JsonRpcId | null, error: JsonRpcErrorObject): JsonRpcFailure {
  return { jsonrpc: '2.0', id, error };
}

export function isFailure(message: JsonRpcResponse): message is JsonRpcFailure {
  return 'error' in message;
}

/** The `_meta` object of a request's params, or undefined. */
export function metaOf(params: JsonObject | undefined): JsonObject | undefined {
  const meta = params?._meta;
  return isObject(meta) ? meta : undefined;
}
