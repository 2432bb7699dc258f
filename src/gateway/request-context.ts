/**
 * What the gateway core knows about the client behind one request. The HTTP
 * front door (or the legacy SSE transport) builds it; the router reads it and
 * never touches HTTP.
 */
import type { JsonObject, JsonRpcNotification } from '../mcp/jsonrpc.js';
import type { Era, LogLevel } from '../mcp/versions.js';
import type { ContextMode } from '../config/model.js';
import type { WorkingSetHome } from './context-service.js';
import type { CancelSignal } from './cancellation.js';
import type { Principal } from '../auth/principal.js';
import type { TraceSpan } from '../observe/tracing.js';

export interface RequestContext {
  readonly era: Era;
  readonly protocolVersion: string;
  readonly clientCapabilities: JsonObject;
  /**
   * Legacy: the session's level from logging/setLevel (undefined: pass all).
   * Modern: the request's `io.modelcontextprotocol/logLevel` (undefined: send none).
   */
  readonly logLevel: LogLevel | undefined;
  /** The caller's principal id (`caller.id`): what sessions, sealed states and scopes are bound to. */
  readonly principal: string;
  /** Who the front door authenticated: roles for authorization, the credential's kind for audit. */
  readonly caller: Principal;
  /** The 2025-era session, if any. */
  readonly sessionId: string | undefined;
  /** Attribution group for shared backend pipes: the session id, or a per-request id for modern clients. */
  readonly group: string;
  /** Aborted when the client cancels or goes away (modern era: closing the stream is cancellation). */
  readonly signal: CancelSignal;
  /**
   * A request-scoped notification for the client (progress, log message);
   * false when it was dropped because the client's stream is full
   * (docs/security.md, "Buffers and back-pressure").
   */
  notify(message: JsonRpcNotification): boolean | void;
  /**
   * Sends a request to the client and waits for its answer. Present for
   * legacy clients (it rides the request's SSE stream); modern clients are
   * asked through input_required results instead.
   */
  readonly ask: ((method: string, params: JsonObject | undefined) => Promise<JsonObject>) | undefined;
  /** What tools/list shows this client (context swapping). */
  readonly contextMode: ContextMode;
  /** Where this client's search-mode working set lives; undefined when it has none. */
  readonly workingSetHome: WorkingSetHome | undefined;
  /** The request's span (or the client's trace context passed through); undefined when there is neither. */
  readonly trace?: TraceSpan | undefined;
}
