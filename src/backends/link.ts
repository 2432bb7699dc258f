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
import type { UpstreamScope } from '../gateway/upstream-scope.js';
import { GatewayError, NOT_READY } from '../mcp/errors.js';

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
  /** Bound on the call; restarted by each progress notification when maxTotalMs allows more. */
  timeoutMs: number;
  /** The most the call may run while the backend keeps reporting progress (undefined: timeoutMs, no extension). */
  maxTotalMs?: number | undefined;
  signal: CancelSignal | undefined;
  /** Calls in one group (a client session) may be attributed each other's unscoped messages. */
  group: string;
  /** Modern backends on HTTP: the Mcp-Name value (tool name or URI) for the routing header. */
  routingName?: string | undefined;
  /** Modern backends on HTTP: `Mcp-Param-*` headers mirroring `x-mcp-header` arguments. */
  headers?: Record<string, string> | undefined;
  /** The calling client's log level (legacy): a per-client backend session is set to it. */
  logLevel?: LogLevel | undefined;
  /**
   * The caller's own credentials for this backend (auth.upstream): HTTP
   * headers, or a stdio child's environment when it starts. Never the
   * caller's token; undefined: the server's own configured credentials.
   */
  credentials?: UpstreamSecrets | undefined;
}

/** What a backend session opened for one principal carries (src/auth/upstream-credentials.ts resolves it). */
export interface UpstreamSecrets {
  readonly headers: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
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
  /** A shared backend session sent something that names no call: refused (a request) or dropped (a notification). */
  onUnattributed(method: string, kind: 'request' | 'notification'): void;
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
  /**
   * A link waiting to reconnect (restarting, backing off) tries now: the
   * replica's health checks just passed, so waiting out the backoff would
   * only keep a live replica out of rotation. Optional: links that never
   * back off need none.
   */
  reconnect?(): void;
}

/**
 * Where a per-client backend session is remembered, so any worker or node
 * reuses it: the client session's record for session scopes, the shared
 * store for the others.
 */
export type UpstreamRef = (
  /** A stdio child in the pool of `node`'s primary; `worker` on that node relays for other nodes. */
  | { k: 'stdio'; node: string; worker: string; inst: string }
  /** A Streamable HTTP backend session, adopted by any worker without a new handshake. */
  | { k: 'http'; sid: string; pv: string; caps: JsonObject; info: JsonObject }
  /** A legacy HTTP+SSE session: its stream is held by `worker`, which relays for the others. */
  | { k: 'sse'; node: string; worker: string; inst: string }
) & {
  /**
   * The replica holding the session (its id: docs/routing.md), so every
   * worker and node sends the client's calls to the same one. Absent in
   * references stored before replicas existed: those name the first replica.
   */
  r?: string;
};

/** Which replica of its server a per-client link opens sessions on. */
export interface ReplicaTag {
  readonly id: string;
  /** The server's first replica (references without a replica name it). */
  readonly first: boolean;
  /** The server has other replicas: a client's session may move between them, so links check where it lives. */
  readonly siblings: boolean;
}

/** The replica of a single-replica server, and of anything built before replicas. */
export const ONLY_REPLICA: ReplicaTag = Object.freeze({ id: '1', first: true, siblings: false });

/** Whether a stored reference names a session on this replica. */
export function onReplica(ref: UpstreamRef, replica: ReplicaTag): boolean {
  return ref.r === undefined ? replica.first : ref.r === replica.id;
}

export interface ScopeHome {
  /** The scope's backend session of `server`, as last stored by any worker (`fresh`: read the store, not this worker's copy). */
  ref(server: string, fresh?: boolean): Promise<UpstreamRef | undefined>;
  saveRef(server: string, ref: UpstreamRef | undefined): void;
  /** A new backend session replaced the one the client had: its backend state is gone, and it is told so. */
  reset(server: string, why: string): void;
}

/** What the worker provides to per-client links: homes, and delivery of what their backend sessions send outside calls. */
export interface ScopeServices {
  home(scope: UpstreamScope): ScopeHome;
  /** A notification a scope's backend session sent outside any call. */
  deliver(scopeKey: string, server: string, message: JsonRpcNotification): void;
  /** A request a scope's backend session sent outside any call (roots/list after initialize, for one). */
  ask(scopeKey: string, server: string, method: string, params: JsonObject | undefined): Promise<JsonObject>;
  /**
   * Runs a call on the worker holding the scope's backend session (`owner`), on the server's
   * replica `replica`; rejects with OwnerGone when that worker is gone.
   */
  relay(owner: string, server: string, scope: UpstreamScope, call: LinkCall, replica: string): Promise<JsonObject>;
  /** The same for a notification, a log level, a subscription change or the end of the backend session. */
  relayOp(owner: string, server: string, scope: UpstreamScope, op: 'notify' | 'level' | 'sub' | 'unsub' | 'release', extra: { m?: string; p?: JsonObject; lv?: string; uri?: string }, replica: string): Promise<void>;
  /** This worker's and this node's names, as UpstreamRefs record them. */
  readonly workerId: string;
  readonly nodeId: string;
}

/** One client's own backend session of a server, as seen from this worker. */
export interface ScopedLink extends BackendLink {
  readonly scope: UpstreamScope;
  /** Last use on this worker (ms since epoch): idle objects are dropped here, the backend session kept. */
  lastUsed: number;
  /** Ends the backend session itself (the client session ended). */
  release(): Promise<void>;
}

/** Nobody listens on the holder's channel: its worker (or node) is gone, and the backend session with it. */
export class OwnerGone extends Error {
  constructor(readonly owner: string) {
    super(`the gateway worker ${owner} holding this backend session is gone`);
    this.name = 'OwnerGone';
  }
}

/**
 * A per-client link opens its backend session on first use, so it can only
 * answer for the server as a whole: refused while the server is not ready.
 */
export function requireReady(name: string, status: LinkStatus): void {
  if (status.state !== 'ready') throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${name} is ${status.state}${status.lastError ? `: ${status.lastError}` : ''}`, NOT_READY);
}
