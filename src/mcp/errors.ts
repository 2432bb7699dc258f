/**
 * The one registry of errors the gateway sends to a peer.
 *
 * Every entry names the JSON-RPC code and the HTTP status, and whose fault it
 * is: a client is never blamed for a backend fault, so backend failures have
 * their own codes (in the gateway's block, outside the JSON-RPC reserved
 * range as the 2026-07-28 error-code policy asks) and 5xx statuses.
 * docs/errors.md documents each entry; test/unit/errors-doc.test.ts keeps
 * the two in step.
 *
 * `scope` says where the HTTP status applies:
 *  - 'transport': the request is rejected before any JSON-RPC exchange (bad
 *    body, bad headers, bad origin, unknown session); the status always applies.
 *  - 'rpc': an error inside an exchange. Legacy-era clients get it in a 200
 *    response (or on the SSE stream); modern-era clients get `modernHttp`
 *    where the 2026-07-28 transport names a status, else 200.
 */

export type Fault = 'client' | 'backend' | 'gateway';

export interface ErrorSpec {
  readonly rpc: number;
  readonly http: number;
  readonly scope: 'transport' | 'rpc';
  readonly modernHttp?: number;
  readonly fault: Fault;
  readonly summary: string;
}

function spec(rpc: number, http: number, scope: ErrorSpec['scope'], fault: Fault, summary: string, modernHttp?: number): ErrorSpec {
  return Object.freeze({ rpc, http, scope, fault, summary, ...(modernHttp === undefined ? {} : { modernHttp }) });
}

/** Codes -31000..-31099 are the gateway's own block. */
export const GATEWAY_CODE_MIN = -31099;
export const GATEWAY_CODE_MAX = -31000;

export const ERRORS = Object.freeze({
  // Malformed input: JSON-RPC standard codes.
  GW_ERR_PARSE: spec(-32700, 400, 'transport', 'client', 'The request body is not valid JSON.'),
  GW_ERR_INVALID_REQUEST: spec(-32600, 400, 'transport', 'client', 'The body is JSON but not a valid JSON-RPC 2.0 message.'),
  GW_ERR_BATCH_REJECTED: spec(-32600, 400, 'transport', 'client', 'A JSON-RPC batch was sent on a protocol revision that does not allow batches.'),
  GW_ERR_METHOD_NOT_FOUND: spec(-32601, 404, 'rpc', 'client', 'No handler or backend serves this JSON-RPC method.', 404),
  GW_ERR_INVALID_PARAMS: spec(-32602, 400, 'rpc', 'client', 'The params of the request are missing or malformed.'),
  GW_ERR_UNKNOWN_TOOL: spec(-32602, 400, 'rpc', 'client', 'No backend offers a tool of this name.'),
  GW_ERR_UNKNOWN_PROMPT: spec(-32602, 400, 'rpc', 'client', 'No backend offers a prompt of this name.'),
  GW_ERR_UNKNOWN_RESOURCE: spec(-32602, 400, 'rpc', 'client', 'No backend offers this resource URI (sent as -32002 to clients of revisions up to 2025-11-25).'),
  GW_ERR_INPUT_STATE_INVALID: spec(-32602, 400, 'rpc', 'client', 'A requestState was altered, expired, or belongs to another request or principal.'),
  GW_ERR_INTERNAL: spec(-32603, 500, 'rpc', 'gateway', 'An unexpected fault inside the gateway; the log has the details.'),

  GW_ERR_META_INVALID: spec(-32602, 400, 'transport', 'client', 'A 2026-07-28 request lacks the required _meta fields (protocolVersion, clientCapabilities) or has malformed ones.'),

  // 2026-07-28 transport errors (MCP reserved block).
  GW_ERR_HEADER_MISMATCH: spec(-32020, 400, 'transport', 'client', 'An MCP request header is missing, malformed, or disagrees with the body.'),
  GW_ERR_MISSING_CAPABILITY: spec(-32021, 400, 'rpc', 'client', 'The request needs a client capability the client did not declare.', 400),
  GW_ERR_UNSUPPORTED_VERSION: spec(-32022, 400, 'transport', 'client', 'The requested protocol version is not one the gateway speaks; data.supported lists them.'),

  // HTTP front door.
  GW_ERR_FORBIDDEN_ORIGIN: spec(-32600, 403, 'transport', 'client', 'The Origin header is not an allowed origin (DNS-rebinding protection).'),
  GW_ERR_FORBIDDEN_HOST: spec(-32600, 403, 'transport', 'client', 'The Host header is not an allowed host (DNS-rebinding protection).'),
  GW_ERR_BODY_TOO_LARGE: spec(-32600, 413, 'transport', 'client', 'The request body exceeds the configured size cap.'),
  GW_ERR_UNSUPPORTED_MEDIA_TYPE: spec(-32600, 415, 'transport', 'client', 'POST bodies must be sent as Content-Type: application/json.'),
  GW_ERR_NOT_ACCEPTABLE: spec(-32600, 406, 'transport', 'client', 'The Accept header must allow application/json and text/event-stream (POST) or text/event-stream (GET).'),
  GW_ERR_HTTP_METHOD_NOT_ALLOWED: spec(-32600, 405, 'transport', 'client', 'This HTTP method is not served on this path.'),
  GW_ERR_ROUTE_NOT_FOUND: spec(-32600, 404, 'transport', 'client', 'Nothing is served at this path.'),

  // Sessions and streams (legacy era).
  GW_ERR_SESSION_REQUIRED: spec(-32600, 400, 'transport', 'client', 'An Mcp-Session-Id header is required on every request after initialize.'),
  GW_ERR_SESSION_NOT_FOUND: spec(-31010, 404, 'transport', 'client', 'The session is unknown or has ended; start a new one with initialize.'),
  GW_ERR_ALREADY_INITIALIZED: spec(-32600, 400, 'rpc', 'client', 'initialize was sent on a session that is already initialized.'),
  GW_ERR_STREAM_CONFLICT: spec(-31011, 409, 'transport', 'client', 'A GET stream is already open for this session.'),
  GW_ERR_EVENTS_LOST: spec(-31012, 410, 'transport', 'client', 'The events after this Last-Event-ID are no longer kept (a session keeps its most recent events only); reconnect without Last-Event-ID, and retry requests whose answers did not arrive.'),
  GW_ERR_CLIENT_NO_ANSWER: spec(-31013, 504, 'rpc', 'client', 'The client did not answer a server-to-client request (sampling, elicitation, roots) in time.'),

  // Backend faults: never the client's fault.
  GW_ERR_BACKEND_UNAVAILABLE: spec(-31001, 503, 'rpc', 'backend', 'The backend that owns this name is not connected (starting, restarting, its circuit is open, or an operator disabled it: data.disabled).'),
  GW_ERR_BACKEND_TIMEOUT: spec(-31002, 504, 'rpc', 'backend', 'The backend did not answer within the call timeout.'),
  GW_ERR_BACKEND_CRASHED: spec(-31003, 502, 'rpc', 'backend', 'The backend process exited or its connection dropped while the call was in flight.'),
  GW_ERR_BACKEND_PROTOCOL: spec(-31004, 502, 'rpc', 'backend', 'The backend answered with something that is not valid MCP.'),

  // Identity (src/auth/): the gate refuses before any session is touched; the others inside an exchange.
  GW_ERR_UNAUTHENTICATED: spec(-31050, 401, 'transport', 'client', 'No credentials, or credentials that are not valid (an unknown API key; a token that is malformed, expired, not yet valid, from another issuer, for another audience or badly signed). WWW-Authenticate says how to get one.'),
  GW_ERR_FORBIDDEN: spec(-31051, 403, 'transport', 'client', 'Authenticated but refused at the door: a token without a required scope (WWW-Authenticate error="insufficient_scope"), the admin API without an admin role, or a session that belongs to another principal.'),
  GW_ERR_PERMISSION_DENIED: spec(-31052, 403, 'rpc', 'client', 'The caller\'s roles do not grant this tool, resource or prompt; data.permission names the missing permission. Nothing was forwarded.'),
  GW_ERR_RATE_LIMITED: spec(-31053, 429, 'rpc', 'client', 'A rate limit refused the call; data.retryAfterMs says when one can pass again, data.limit names the limit. Nothing was forwarded.'),
  GW_ERR_AUTH_UNAVAILABLE: spec(-31054, 503, 'transport', 'gateway', 'Tokens cannot be verified now: the signing keys (JWKS) could not be fetched. Retry later.'),
  GW_ERR_UPSTREAM_CREDENTIALS: spec(-31055, 502, 'rpc', 'gateway', 'The backend\'s credentials for this caller could not be obtained (the token exchange failed); nothing was forwarded.'),

  // Gateway state.
  GW_ERR_SHUTTING_DOWN: spec(-31020, 503, 'rpc', 'gateway', 'The gateway is draining for shutdown; retry on another instance.'),
  GW_ERR_OVERLOADED: spec(-31021, 503, 'rpc', 'gateway', 'A bounded queue is full; retry later.'),
  GW_ERR_PROCESS_CAP: spec(-31040, 503, 'rpc', 'gateway', 'A stdio server already runs its cap of per-client processes on this node (maxProcesses); retry when another client session ends, or raise the cap.'),
  GW_ERR_STATE_UNAVAILABLE: spec(-31022, 503, 'transport', 'gateway', 'The shared state store is unreachable, or has just come back and may not hold yet what workers are writing back, and this request cannot be answered correctly from local state (an unknown session, a stream resumed elsewhere).'),
});

export type ErrorName = keyof typeof ERRORS;

/**
 * data of a GW_ERR_BACKEND_UNAVAILABLE raised before any attempt (the backend
 * is starting or restarting): nothing reached the backend, so it does not
 * count against its circuit breaker.
 */
export const NOT_READY = Object.freeze({ notReady: true });
/**
 * `data` of a backend fault where the request never reached the backend (the
 * connection failed before it was established): a fault of the backend for
 * its breaker, but the request may be sent elsewhere whatever it is.
 */
export const UNSENT = Object.freeze({ unsent: true });

export function isGatewayCode(code: number): boolean {
  return code >= GATEWAY_CODE_MIN && code <= GATEWAY_CODE_MAX;
}

/**
 * An error the gateway sends to a peer. It crosses process and thread
 * boundaries as `{ name, message, data }` and is rebuilt from the name.
 */
export class GatewayError extends Error {
  readonly errorName: ErrorName;
  readonly spec: ErrorSpec;
  readonly data: Record<string, unknown> | undefined;
  /** Overrides the registry's JSON-RPC code where the era decides it (resource not found). */
  readonly rpcOverride: number | undefined;

  constructor(name: ErrorName, message: string, data?: Record<string, unknown>, rpcOverride?: number) {
    super(message);
    this.name = 'GatewayError';
    this.errorName = name;
    this.spec = ERRORS[name];
    this.data = data;
    this.rpcOverride = rpcOverride;
  }

  get rpcCode(): number {
    return this.rpcOverride ?? this.spec.rpc;
  }

  /** The JSON-RPC error object. Gateway-block codes carry `data.code` with the registry name for machines. */
  toJsonRpc(): { code: number; message: string; data?: unknown } {
    const code = this.rpcCode;
    const data = isGatewayCode(code) ? { code: this.errorName, ...this.data } : this.data;
    return data === undefined ? { code, message: this.message } : { code, message: this.message, data };
  }

  /** The HTTP status for this error given the client's era. */
  httpStatus(era: 'legacy' | 'modern'): number {
    if (this.spec.scope === 'transport') return this.spec.http;
    if (era === 'modern' && this.spec.modernHttp !== undefined) return this.spec.modernHttp;
    return 200;
  }

  toWire(): WireError {
    return { name: this.errorName, message: this.message, data: this.data, rpc: this.rpcOverride };
  }

  static fromWire(wire: WireError): GatewayError {
    const name = wire.name in ERRORS ? (wire.name as ErrorName) : 'GW_ERR_INTERNAL';
    return new GatewayError(name, wire.message, wire.data, wire.rpc);
  }
}

export interface WireError {
  name: string;
  message: string;
  data?: Record<string, unknown> | undefined;
  rpc?: number | undefined;
}

/**
 * The HTTP status for a JSON-RPC error sent to a 2026-07-28 client, by code
 * (used for errors that came from a backend, whose registry entry we lack).
 */
export function modernStatusForCode(code: number): number {
  if (code === -32601) return 404;
  if (code === -32020 || code === -32021 || code === -32022) return 400;
  return 200;
}

/** Wraps anything thrown into a GatewayError; unknown faults become GW_ERR_INTERNAL. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError('GW_ERR_INTERNAL', `Internal gateway error: ${message}`);
}
