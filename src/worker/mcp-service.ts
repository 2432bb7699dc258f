/**
 * MCP behaviour behind the HTTP adapters: the lifecycle methods the gateway
 * answers itself (initialize, logging/setLevel, server/discover, client
 * notifications and answers) and everything else handed to the router, with
 * results shaped for the client's era.
 */
import { randomBytes } from 'node:crypto';
import { sharedDerivative } from '../mcp/shared-result.js';
import { uniqueId } from '../gateway/unique-id.js';
import { GatewayError, modernStatusForCode, toGatewayError } from '../mcp/errors.js';
import { internalErrors } from '../observe/internal-error.js';
import { failure, isObject, metaOf, success, type Classified, type JsonObject, type JsonRpcId, type JsonRpcRequest } from '../mcp/jsonrpc.js';
import { META, isLogLevel, negotiateLegacy, type LogLevel } from '../mcp/versions.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import { discoverResult, initializeResult, MODERN_RESULT_META } from '../gateway/lifecycle.js';
import type { Router } from '../gateway/router.js';
import type { Upstreams } from '../gateway/upstreams.js';
import type { RequestContext } from '../gateway/request-context.js';
import type { Sessions } from './session/sessions.js';
import type { LiveSession } from './session/live-session.js';
import type { SessionRecord } from '../state/store.js';
import type { Outlet } from './outlet.js';
import type { Principal } from '../auth/principal.js';
import { forwardAbort, CancelSource } from '../gateway/cancellation.js';
import { mostVerbose } from '../backends/log-level.js';
import { countPrincipal, countRequest, observeInflight, requestErrors } from '../observe/metrics.js';
import { activity, cut, type RequestEntry, type RequestOutcome } from '../observe/activity.js';
import type { ListenFilter } from './notify-hub.js';
import type { ContextMode } from '../config/model.js';
import type { WorkingSetHome } from '../gateway/context-service.js';
import { SESSION_IDLE_TIMEOUT_MS } from '../config/defaults.js';
import type { StateSealer } from '../gateway/request-state.js';
import { WORKING_SET_META_KEY, workingSetKey } from '../gateway/working-set-handle.js';
import type { Logger } from '../observe/log.js';
import { requestSpan, type TraceSpan } from '../observe/tracing.js';
import { requestCarrier, type TraceCarrier } from '../observe/trace-context.js';
import { errorOutcome, resultOutcome } from '../observe/span-attributes.js';

/** Methods of the 2025 era that the 2026-07-28 revision removed. */
const LEGACY_ONLY_METHODS = new Set(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

export interface ModernRequestInfo {
  protocolVersion: string;
  capabilities: JsonObject;
  logLevel: LogLevel | undefined;
  clientInfo: JsonObject | undefined;
}

/** Methods counted by name in metrics; anything else is 'other', so clients cannot inflate label cardinality. */
const KNOWN_METHODS = new Set([
  'initialize', 'ping', 'logging/setLevel', 'server/discover', 'subscriptions/listen', 'tools/list', 'tools/call', 'prompts/list', 'prompts/get',
  'resources/list', 'resources/templates/list', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'completion/complete',
]);

export class McpService {
  private running = 0;

  constructor(
    private readonly router: Router,
    private readonly upstreams: Upstreams,
    readonly sessions: Sessions,
    private readonly logger: Logger,
    private readonly sealer: StateSealer,
  ) {
    observeInflight(() => this.running);
  }

  /**
   * Starts a 2025-era session. `requestedMode` is the context mode the client
   * asked for outside the protocol (URL ?context=, Only1MCP-Context-Mode
   * header); initialize's `_meta` may ask too.
   */
  async initialize(request: JsonRpcRequest, caller: Principal, transport: SessionRecord['transport'], requestedMode: string | undefined): Promise<{ session: LiveSession; result: JsonObject }> {
    const negotiated = negotiate(request);
    const contextMode = this.sessionMode(request, negotiated.clientInfo, caller.id, requestedMode);
    // The session belongs to its principal: every later request must come with that principal's credentials.
    const session = await this.sessions.create({ ...negotiated, principal: caller.id, transport, contextMode });
    return { session, result: initializeResult(negotiated.protocolVersion, this.upstreams.all()) };
  }

  /** initialize on a session that exists before it (the legacy SSE transport opens it with GET /sse). */
  async initializeExisting(session: LiveSession, request: JsonRpcRequest, requestedMode: string | undefined): Promise<JsonObject> {
    const negotiated = negotiate(request);
    const contextMode = this.sessionMode(request, negotiated.clientInfo, session.record.principal, requestedMode);
    await this.sessions.update(session, { ...negotiated, contextMode });
    return initializeResult(negotiated.protocolVersion, this.upstreams.all());
  }

  /**
   * A stateless client's working set: no session to keep it in, so it is
   * kept in the shared store under a key only that client can name (a
   * sealed handle it holds, or its authenticated principal:
   * gateway/working-set-handle.ts), with the session idle expiry.
   */
  private statelessWorkingSet(key: string): WorkingSetHome {
    const store = this.sessions.store;
    return {
      load: async () => {
        const raw = await store.getCached(key).catch(() => undefined);
        return raw === undefined ? undefined : (JSON.parse(raw) as unknown);
      },
      save: (json) => store.setCached(key, JSON.stringify(json), SESSION_IDLE_TIMEOUT_MS).catch(() => undefined),
      // No session stream to tell; a stateless client re-lists when it wants to.
      changed: () => undefined,
    };
  }

  private sessionMode(request: JsonRpcRequest, clientInfo: JsonObject, principal: string, requested: string | undefined): ContextMode {
    const asked = requested ?? metaOf(request.params)?.[CONTEXT_MODE_META_KEY];
    return this.router.context.modeFor(contextModeOrThrow(asked), stringOr(clientInfo.name), principal);
  }

  /** One message posted on a 2025-era session (request, notification or answer) by its own principal; `trace`: the POST's trace context headers, validated. */
  async onSessionMessage(session: LiveSession, message: Classified, outlet: Outlet, caller: Principal, trace?: TraceCarrier): Promise<void> {
    switch (message.kind) {
      case 'request':
        await this.onSessionRequest(session, message.message, outlet, caller, trace);
        return;
      case 'notification':
        await this.onSessionNotification(session, message.message.method, message.message.params);
        return;
      case 'response':
        session.answer(message.message);
        return;
      case 'invalid':
        outlet.respond(failure(message.id, new GatewayError('GW_ERR_INVALID_REQUEST', `Invalid request: ${message.reason}`).toJsonRpc()), 400);
        return;
    }
  }

  private async onSessionRequest(session: LiveSession, request: JsonRpcRequest, outlet: Outlet, caller: Principal, headerTrace: TraceCarrier | undefined): Promise<void> {
    const cancel = new CancelSource();
    const unlink = forwardAbort(outlet.signal, cancel);
    session.inflight.set(request.id, cancel);
    const started = this.begin(request.method, 'legacy');
    let outcome: Finished = OK;
    const record = session.record;
    const trace = requestSpan(request.method, request.params, requestCarrier(metaOf(request.params), headerTrace), record.protocolVersion, 'legacy');
    const ctx: RequestContext = {
      era: 'legacy',
      protocolVersion: record.protocolVersion,
      clientCapabilities: record.capabilities,
      logLevel: record.logLevel,
      principal: record.principal,
      caller,
      sessionId: session.id,
      group: session.id,
      signal: cancel,
      notify: (n) => outlet.notify(n),
      ask: outlet.ask,
      contextMode: record.contextMode,
      workingSetHome: {
        // Read through to the store: the client may have loaded tools through another worker just now.
        load: async () => (await this.sessions.fresh(session)).workingSet,
        save: (json) => this.sessions.update(session, { workingSet: json }),
        changed: () => session.notify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }),
      },
      trace,
    };
    try {
      const result = await this.legacyMethod(session, request, ctx);
      if (trace) noteResult(trace, result);
      outcome = finishedOf(result);
      outlet.respond(success(request.id, shapeLegacy(result)));
    } catch (err) {
      trace?.fail(errorOutcome(err));
      outcome = failedOf(err);
      outlet.respond(this.errorResponse(request.id, err));
    } finally {
      trace?.end();
      session.inflight.delete(request.id);
      unlink();
      this.end(request, record.principal, started, outcome);
    }
  }

  private async legacyMethod(session: LiveSession, request: JsonRpcRequest, ctx: RequestContext): Promise<JsonObject> {
    const params = request.params;
    switch (request.method) {
      case 'initialize':
        throw new GatewayError('GW_ERR_ALREADY_INITIALIZED', 'This session is already initialized; start a new session without an Mcp-Session-Id header');
      case 'logging/setLevel': {
        const level = params?.level;
        if (!isLogLevel(level)) throw new GatewayError('GW_ERR_INVALID_PARAMS', `logging/setLevel needs params.level, one of debug, info, notice, warning, error, critical, alert, emergency`);
        await this.sessions.update(session, { logLevel: level });
        this.upstreams.setLogLevel(mostVerbose([...this.sessions.all()].map((s) => s.record.logLevel)));
        // Servers where this client has a backend session of its own get its level as it is.
        this.upstreams.eachScopedLink(ctx, (link) => link.setLogLevel(level));
        return {};
      }
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const result = await this.router.handle(ctx, request.method, params);
        // The session's own set routes notifications/resources/updated to it.
        const uri = params?.uri;
        if (typeof uri === 'string') {
          if (request.method === 'resources/subscribe') session.subscriptions.add(uri);
          else session.subscriptions.delete(uri);
        }
        return result;
      }
      default:
        return this.router.handle(ctx, request.method, params);
    }
  }

  private async onSessionNotification(session: LiveSession, method: string, params: JsonObject | undefined): Promise<void> {
    switch (method) {
      case 'notifications/initialized':
        if (!session.record.initialized) await this.sessions.update(session, { initialized: true });
        return;
      case 'notifications/cancelled': {
        const id = params?.requestId;
        if (typeof id === 'string' || typeof id === 'number') session.cancel(id);
        return;
      }
      case 'notifications/roots/list_changed': {
        // Its own backend sessions hear it; shared 2025 sessions too (they ask whoever calls next).
        const client = { sessionId: session.id, principal: session.record.principal, clientCapabilities: session.record.capabilities };
        this.upstreams.eachScopedLink(client, (link) => link.notify(method, params));
        for (const backend of this.upstreams.all()) if (backend.ready && backend.era === 'legacy' && !backend.isolated) backend.notify(method, params);
        return;
      }
      default:
        return;
    }
  }

  /** One modern (2026-07-28) request; headers were validated by the HTTP adapter (`headerTrace`: the POST's trace context headers, validated). */
  async onModernRequest(request: JsonRpcRequest, info: ModernRequestInfo, caller: Principal, outlet: Outlet, requestedMode?: string, headerTrace?: TraceCarrier): Promise<void> {
    const principal = caller.id;
    const started = this.begin(request.method, 'modern');
    const trace = requestSpan(request.method, request.params, requestCarrier(metaOf(request.params), headerTrace), info.protocolVersion, 'modern');
    let contextMode: ContextMode;
    try {
      contextMode = this.router.context.modeFor(contextModeOrThrow(requestedMode ?? metaOf(request.params)?.[CONTEXT_MODE_META_KEY]), stringOr(info.clientInfo?.name), principal);
    } catch (err) {
      trace?.fail(errorOutcome(err));
      trace?.end();
      outlet.respond(this.errorResponse(request.id, err), 400);
      this.end(request, principal, started, failedOf(err));
      return;
    }
    const workingSet = contextMode === 'search' ? workingSetKey(this.sealer, caller, stringOr(info.clientInfo?.name), metaOf(request.params)?.[WORKING_SET_META_KEY]) : undefined;
    const ctx: RequestContext = {
      era: 'modern',
      protocolVersion: info.protocolVersion,
      clientCapabilities: info.capabilities,
      logLevel: info.logLevel,
      principal,
      caller,
      sessionId: undefined,
      group: `r-${uniqueId()}`,
      signal: outlet.signal,
      notify: (n) => outlet.notify(n),
      ask: undefined,
      contextMode,
      workingSetHome: workingSet ? this.statelessWorkingSet(workingSet.key) : undefined,
      trace,
    };
    let outcome: Finished = OK;
    try {
      let result: JsonObject;
      if (request.method === 'server/discover') result = discoverResult(this.upstreams.all());
      else if (LEGACY_ONLY_METHODS.has(request.method)) throw new GatewayError('GW_ERR_METHOD_NOT_FOUND', `Method not found: ${request.method} is not part of protocol ${info.protocolVersion}`);
      else result = await this.router.handle(ctx, request.method, request.params);
      if (trace) noteResult(trace, result);
      outcome = finishedOf(result);
      const shaped = sharedDerivative(result, (r) => shapeModern(request.method, r));
      // The client keeps its working set by sending this handle back (working-set-handle.ts).
      outlet.respond(success(request.id, workingSet?.handle === undefined ? shaped : { ...shaped, _meta: { ...(shaped._meta as JsonObject), [WORKING_SET_META_KEY]: workingSet.handle } }));
    } catch (err) {
      trace?.fail(errorOutcome(err));
      outcome = failedOf(err);
      const response = this.errorResponse(request.id, modernError(err, request));
      const status = err instanceof GatewayError ? err.httpStatus('modern') : modernStatusForCode(response.error.code);
      outlet.respond(response, status);
    } finally {
      trace?.end();
      this.end(request, principal, started, outcome);
    }
  }

  /** Requests being served now, both eras (the drain waits for this to reach 0). */
  get inflight(): number {
    return this.running;
  }

  /** Returns when the request started (performance.now()). */
  private begin(method: string, era: 'legacy' | 'modern'): number {
    this.running++;
    countRequest(KNOWN_METHODS.has(method) ? method : 'other', era);
    return performance.now();
  }

  /**
   * A request finished: counted per principal, and one entry in the
   * worker's recent-request batch (src/observe/activity.ts) — method, what
   * it named, latency and outcome; never its arguments or result.
   */
  private end(request: JsonRpcRequest, principal: string, started: number, finished: Finished): void {
    this.running--;
    countPrincipal(principal);
    const feed = activity();
    if (!feed?.count(finished.outcome)) return;
    const now = performance.now();
    const entry: RequestEntry = {
      // One clock read for both: the wall time from the monotonic one.
      time: Math.round(performance.timeOrigin + now),
      method: KNOWN_METHODS.has(request.method) ? request.method : cut(request.method, 100),
      latencyMs: Math.round((now - started) * 1000) / 1000,
      outcome: finished.outcome,
      principal,
      worker: feed.worker,
    };
    const target = targetOf(request.params);
    if (target !== undefined) entry.target = cut(target);
    if (finished.code !== undefined) entry.code = finished.code;
    feed.record(entry);
  }

  /**
   * A modern client's subscriptions/listen: list-change flags are honoured as
   * asked; each resource URI is followed at the backend that owns it (URIs no
   * backend owns are left out of the acknowledgement).
   */
  async openListen(requested: ListenFilter): Promise<{ honored: ListenFilter; close(): void }> {
    const key = `listen:${randomBytes(9).toString('base64url')}`;
    const honored: ListenFilter = {};
    for (const flag of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const) {
      if (requested[flag] === true) honored[flag] = true;
    }
    if (requested.resourceSubscriptions) {
      honored.resourceSubscriptions = [];
      for (const uri of requested.resourceSubscriptions) {
        const backend = this.upstreams.catalog.resolveUri(uri);
        if (!backend) continue;
        try {
          await this.router.subscriptions.subscribe(key, backend, uri);
          honored.resourceSubscriptions.push(uri);
        } catch (err) {
          this.logger.warn({ uri, backend, err: String(err) }, 'could not follow a resource for subscriptions/listen');
        }
      }
    }
    return { honored, close: () => void this.router.subscriptions.drop(key) };
  }

  errorResponse(id: JsonRpcId, err: unknown) {
    const response = this.buildError(id, err);
    requestErrors.inc({ code: String(response.error.code) });
    return response;
  }

  private buildError(id: JsonRpcId, err: unknown) {
    if (err instanceof UpstreamRpcError) return failure(id, err.toJsonRpc());
    // Anything unforeseen: the client gets a ref, the log the detail (once per kind of fault per interval).
    if (!(err instanceof GatewayError)) return failure(id, internalErrors(this.logger).report(err, 'while serving a request').toJsonRpc());
    if (err.spec.fault === 'gateway' && !err.data?.cancelled) internalErrors(this.logger).report(err, 'while serving a request');
    return failure(id, err.toJsonRpc());
  }
}

interface Finished {
  outcome: RequestOutcome;
  code?: string | number;
}

const OK: Finished = { outcome: 'ok' };
const TOOL_ERROR: Finished = { outcome: 'tool_error' };

function finishedOf(result: JsonObject): Finished {
  return result.isError === true ? TOOL_ERROR : OK;
}

/** The error's registry name, or a backend's own JSON-RPC code. */
function failedOf(err: unknown): Finished {
  if (err instanceof UpstreamRpcError) return { outcome: 'error', code: err.code };
  return { outcome: 'error', code: toGatewayError(err).errorName };
}

/** What a request named: a tool or prompt, or a resource URI (a completion's reference). */
function targetOf(params: JsonObject | undefined): string | undefined {
  if (!params) return undefined;
  if (typeof params.name === 'string') return params.name;
  if (typeof params.uri === 'string') return params.uri;
  const ref = params.ref;
  if (isObject(ref)) return typeof ref.name === 'string' ? ref.name : typeof ref.uri === 'string' ? ref.uri : undefined;
  return undefined;
}

/** `_meta` key a client may use to choose its context mode (initialize, or any 2026-07-28 request). */
export const CONTEXT_MODE_META_KEY = 'dev.only1mcp/contextMode';

export function contextModeOrThrow(value: unknown): ContextMode | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'full' || value === 'compact' || value === 'search') return value;
  throw new GatewayError('GW_ERR_INVALID_PARAMS', `context mode must be full, compact or search, got ${JSON.stringify(value)}`);
}

/** A tools/call the tool itself failed (`isError`) marks the request's span as failed too. */
function noteResult(trace: TraceSpan, result: JsonObject): void {
  const outcome = resultOutcome(result);
  if (outcome) trace.fail(outcome);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function negotiate(request: JsonRpcRequest): Pick<SessionRecord, 'protocolVersion' | 'capabilities' | 'clientInfo'> {
  const params = request.params ?? {};
  return {
    protocolVersion: negotiateLegacy(params.protocolVersion),
    capabilities: isObject(params.capabilities) ? params.capabilities : {},
    clientInfo: isObject(params.clientInfo) ? params.clientInfo : {},
  };
}

/** Methods whose 2026-07-28 results are cacheable and must carry ttlMs and cacheScope (SEP-2549). */
const CACHEABLE_METHODS = new Set(['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

/**
 * Freshness hint for merged lists: 0 because the gateway cannot promise a
 * backend will not change its list the next moment; clients that want to
 * cache use subscriptions/listen. Private because what a list contains can
 * depend on the principal (context modes, access rules).
 */
export const LIST_TTL_MS = 0;

/** Every modern result carries resultType and the server's identity in `_meta`; cacheable ones their hints. */
export function shapeModern(method: string, result: JsonObject): JsonObject {
  const meta = isObject(result._meta) ? { ...MODERN_RESULT_META, ...result._meta } : MODERN_RESULT_META;
  const shaped: JsonObject = { ...result, _meta: meta };
  if (typeof shaped.resultType !== 'string') shaped.resultType = 'complete';
  if (CACHEABLE_METHODS.has(method) && shaped.resultType === 'complete') {
    if (typeof shaped.ttlMs !== 'number') shaped.ttlMs = LIST_TTL_MS;
    if (shaped.cacheScope !== 'public' && shaped.cacheScope !== 'private') shaped.cacheScope = 'private';
  }
  return shaped;
}

/**
 * 2025-era results carry none of the 2026 fields: SDK clients parse some
 * results strictly (ping, logging/setLevel and subscribe must be exactly {}).
 */
export function shapeLegacy(result: JsonObject): JsonObject {
  if (!('resultType' in result || 'ttlMs' in result || 'cacheScope' in result)) return result;
  const { resultType: _r, ttlMs: _t, cacheScope: _c, ...rest } = result;
  return rest;
}

/** A backend's 2025-era "resource not found" (-32002) becomes the 2026 code (-32602, with data.uri). */
function modernError(err: unknown, request: JsonRpcRequest): unknown {
  if (err instanceof UpstreamRpcError && err.code === -32002) {
    const uri = request.params?.uri;
    const data = isObject(err.data) ? err.data : {};
    return new UpstreamRpcError(-32602, err.message, typeof uri === 'string' ? { ...data, uri } : data);
  }
  return err;
}

/** The modern request-metadata fields of a request's `_meta`. */
export function modernInfo(request: JsonRpcRequest): { version: unknown; capabilities: unknown; logLevel: unknown; clientInfo: unknown } {
  const meta = metaOf(request.params) ?? {};
  return { version: meta[META.protocolVersion], capabilities: meta[META.clientCapabilities], logLevel: meta[META.logLevel], clientInfo: meta[META.clientInfo] };
}
