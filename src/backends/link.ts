/**
 * The one interface every backend transport implements on the worker side:
 * stdio (through the primary), Streamable HTTP, legacy HTTP+SSE.
 *
 * A link moves JSON-RPC for one backend and nothing else: era handling,
 * `_meta`, input_required loops and naming live above it (backend.ts and
 * src/gateway/). Messages the backend sends during a call reach that call's
 * hooks; messages that belong to no call reach the link's event handler.
 */
import type { JsonObject, JsonRpcNotification } from '../mcp/jsonrpc.js';
import type { BackendIdentity } from './handshake.js';
import type { LogLevel } from '../mcp/versions.js';
import type { CancelSignal } from '../gateway/cancellation.js';

export interface LinkHooks {
  /** A notification the backend sent about this call (progress, log message). */
  onNotification(message: JsonRpcNotification): void;
  /** A request the backend sent while serving this call (sampling, elicitation, roots). */
  onServerRequest(method: string, params: JsonObject | undefined): Promise<JsonObject>;
}

export interface LinkCall {
  method: string;
  params: JsonObject | undefined;
  hooks: LinkHooks;
  timeoutMs: number;
  signal: CancelSignal | undefined;
  /** Calls in one group (a client session) may be attributed each other's unscoped messages. */
  group: string;
  /** Modern backends on HTTP: the Mcp-Name value (tool name or URI) for the routing header. */
  routingName?: string | undefined;
  /** Modern backends on HTTP: `Mcp-Param-*` headers mirroring `x-mcp-header` arguments. */
  headers?: Record<string, string> | undefined;
}

export type LinkState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

export interface LinkStatus {
  state: LinkState;
  identity: BackendIdentity | undefined;
  lastError: string | undefined;
  /** Bumps when the backend process or session is new, so caches keyed on it are dropped. */
  generation: number;
  /** Process facts for stdio backends (as of the last state change). */
  process?: { pid: number | undefined; restarts: number; invalidLines: number };
  /** stdio backends: the child's last stderr lines as of the last state change, oldest first (operator views only). */
  stderrTail?: readonly string[];
  /** A URL-only server: the HTTP transport its probe found. */
  transport?: 'streamable-http' | 'sse';
}

export interface LinkEvents {
  /** A notification that belongs to no call: list_changed, resources/updated, unattributed logs. */
  onEvent(message: JsonRpcNotification): void;
  /** The link's state or identity changed. */
  onStatus(status: LinkStatus): void;
}

export interface BackendLink {
  readonly name: string;
  status(): LinkStatus;
  /** Resolves with the result, or rejects with GatewayError (transport/backend fault) or UpstreamRpcError (the backend's own JSON-RPC error). */
  call(call: LinkCall): Promise<JsonObject>;
  notify(method: string, params?: JsonObject): void;
  /**
   * Resource subscriptions the backend should hold (idempotent; re-applied
   * after a reconnect or restart). Legacy backends get resources/subscribe;
   * modern ones a subscriptions/listen stream naming the URIs.
   */
  subscribe(uri: string): Promise<void>;
  unsubscribe(uri: string): Promise<void>;
  /**
   * The most verbose log level any client of this worker asked for (legacy
   * backends only; modern ones take the level per request). undefined: no
   * client set one, leave the backend at its default.
   */
  setLogLevel(level: LogLevel | undefined): void;
  start(): Promise<void>;
  close(): Promise<void>;
}
