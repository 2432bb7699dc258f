/**
 * Method → what answers it. List methods are served from the merged
 * catalog; call methods go to the one backend that owns the name or URI;
 * everything the backend sends back during the call flows to the client the
 * way the client's era allows (see forward()).
 */
import { countDroppedNotification } from '../observe/metrics.js';
import { GatewayError, NOT_READY } from '../mcp/errors.js';
import { isObject, type JsonObject, type JsonRpcNotification } from '../mcp/jsonrpc.js';
import { logPasses, resourceNotFoundCode } from '../mcp/versions.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import { KEY_FIELD, LIST_METHODS, type Catalog, type ListKind } from './catalog.js';
import { CLIENT_METHODS, missingCapability, refusal } from './client-capabilities.js';
import type { Upstreams } from './upstreams.js';
import type { RequestContext } from './request-context.js';
import type { HeldCalls } from './held-calls.js';
import type { RemoteResume } from './remote-resume.js';
import type { StateSealer, StatePayload } from './request-state.js';
import type { LinkHooks } from '../backends/link.js';
import type { CallContext } from '../backends/backend.js';
import type { TraceCarrier } from '../observe/tracing.js';
import type { ResourceSubscriptions } from './resource-subscriptions.js';
import type { CircuitBreakers } from '../policy/circuit-breaker.js';
import type { ContextService, ToolView } from './context-service.js';
import { withBreaker } from '../policy/breaker-policy.js';
import { withTiming } from '../policy/timing-policy.js';
import { withAttemptSpan } from '../policy/trace-policy.js';
import { routeSpan } from './route-span.js';
import { CancelSource, forwardAbort, noop, type CancelSignal } from './cancellation.js';
import { share } from '../mcp/shared-result.js';
import { INPUT_STATE_TTL_MS } from '../config/defaults.js';
import type { Access } from './access.js';
import type { Action, AuthTarget } from '../auth/authorizer.js';
import type { AuditOutcome } from '../auth/audit-log.js';

/** Methods whose results may be input_required in the 2026-07-28 revision. */
const INPUT_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** The lists a method's name or URI is looked up in. */
const LOOKUP_KINDS: Record<string, readonly ListKind[]> = {
  'tools/call': ['tools'],
  'prompts/get': ['prompts'],
  'completion/complete': ['prompts', 'resources', 'resourceTemplates'],
  'resources/read': ['resources', 'resourceTemplates'],
  'resources/subscribe': ['resources', 'resourceTemplates'],
  'resources/unsubscribe': ['resources', 'resourceTemplates'],
};

const UNKNOWN_NAME_ERRORS = new Set(['GW_ERR_UNKNOWN_TOOL', 'GW_ERR_UNKNOWN_PROMPT', 'GW_ERR_UNKNOWN_RESOURCE']);

interface Target {
  backend: string;
  /** What the caller must be allowed: the action and its target for the authorizer. */
  access: { action: Action; target: AuthTarget };
  /** tools/call: the tool definition's input schema. */
  schema?: unknown;
  /** tools/call: the tool definition (its annotations decide whether a failed attempt may go to another replica). */
  tool?: unknown;
  /** The params as the backend must see them (original names). */
  params: JsonObject;
  /** The name or URI the client used, for binding requestState. */
  name: string;
}


export class Router {
  /** The list result object per shown array (see list()). */
  private readonly listResults = new WeakMap<readonly JsonObject[], JsonObject>();

  constructor(
    private readonly upstreams: Upstreams,
    private readonly held: HeldCalls,
    private readonly resumer: RemoteResume,
    private readonly sealer: StateSealer,
    readonly subscriptions: ResourceSubscriptions,
    private readonly breakers: CircuitBreakers,
    readonly context: ContextService,
    private readonly access: Access,
  ) {}

  async handle(ctx: RequestContext, method: string, params: JsonObject | undefined): Promise<JsonObject> {
    const kind = LIST_METHODS[method];
    if (kind) return this.list(ctx, kind);
    switch (method) {
      case 'ping':
        return {};
      case 'tools/call': {
        const name = params?.name;
        if (typeof name === 'string' && this.context.isMeta(name)) {
          await this.upstreams.ensure('tools', ctx);
          this.upstreams.markServed('tools');
          const { name: _n, arguments: args, ...extra } = params ?? {};
          const view = this.toolView(ctx);
          return this.context.callMeta(ctx, view, name, args, extra, (tool, a, more) => this.handle(ctx, 'tools/call', { ...more, name: tool, arguments: a }));
        }
        return this.audited(ctx, method, params, async (note) => {
          const target = await this.admitted(ctx, method, params ?? {}, note);
          if (typeof name === 'string') await this.context.used(ctx, name);
          return this.forward(ctx, method, target);
        });
      }
      case 'prompts/get':
      case 'resources/read':
      case 'completion/complete':
        return this.audited(ctx, method, params, async (note) => this.forward(ctx, method, await this.admitted(ctx, method, params ?? {}, note)));
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const target = await this.admitted(ctx, method, params ?? {}, noNote);
        // A client's own backend session holds its own subscription (and sends the updates to that client alone).
        const backend = this.upstreams.get(target.backend);
        const scope = backend?.scopeOf(ctx);
        if (backend?.scoped && scope) {
          const link = backend.routing ? (await backend.routing.scopedReplica(scope, ctx)).scoped!.get(scope) : backend.scoped.get(scope);
          await (method === 'resources/subscribe' ? link.subscribe(target.name) : link.unsubscribe(target.name));
          return {};
        }
        const subscriber = ctx.sessionId ?? ctx.group;
        if (method === 'resources/subscribe') await this.subscriptions.subscribe(subscriber, target.backend, target.name);
        else await this.subscriptions.unsubscribe(subscriber, target.backend, target.name);
        return {};
      }
      default:
        throw new GatewayError('GW_ERR_METHOD_NOT_FOUND', `Method not found: ${method}`);
    }
  }

  private async list(ctx: RequestContext, kind: ListKind): Promise<JsonObject> {
    const catalog = await this.upstreams.readyCatalog(kind, ctx);
    this.upstreams.markServed(kind);
    // What the caller may use, and nothing else: one filtered array per role set.
    const items = this.access.visible(ctx.caller, kind, catalog.list(kind), (item) => authTargetOf(catalog, kind, item));
    const shown = kind === 'tools' ? await this.context.listTools(ctx, items) : items;
    // The same array for every client until a list changes (search mode's working sets excepted): one shared result each.
    let result = this.listResults.get(shown);
    if (!result) {
      result = share({ [kind]: shown as JsonObject[] });
      this.listResults.set(shown, result);
    }
    return result;
  }

  /** The tools the caller may see, for search mode's meta-tools (find, load, call). */
  private toolView(ctx: RequestContext): ToolView {
    const catalog = this.upstreams.catalogFor(ctx);
    return {
      catalog,
      key: this.access.roleSetKey(ctx.caller),
      allows: (item) => this.access.allows(ctx.caller, 'tools', authTargetOf(catalog, 'tools', item)),
    };
  }

  /** locate(), then the one authorization check and the rate limit: a refused call never reaches a backend. */
  private async admitted(ctx: RequestContext, method: string, params: JsonObject, note: (target: Target) => void): Promise<Target> {
    const target = await this.locate(ctx, method, params);
    note(target);
    if (method === 'completion/complete' || method === 'resources/unsubscribe') this.access.authorize(ctx.caller, target.access.action, target.access.target);
    else await this.access.permit(ctx.caller, method, target.access.target, method === 'tools/call' ? target.name : undefined);
    return target;
  }

  /** Runs a call and writes its audit line (when auditing is on): who, what, where, how it ended, how long. */
  private async audited(ctx: RequestContext, method: string, params: JsonObject | undefined, run: (note: (target: Target) => void) => Promise<JsonObject>): Promise<JsonObject> {
    if (!this.access.auditing) return run(noNote);
    const started = performance.now();
    let target: Target | undefined;
    let outcome: AuditOutcome = 'ok';
    let code: string | number | undefined;
    let reason: string | undefined;
    try {
      const result = await run((t) => (target = t));
      if (result.isError === true) outcome = 'error';
      return result;
    } catch (err) {
      ({ outcome, code, reason } = auditOutcomeOf(err));
      throw err;
    } finally {
      const name = params?.name ?? params?.uri ?? (isObject(params?.ref) ? (params.ref.name ?? params.ref.uri) : undefined);
      this.access.record({
        principal: ctx.caller.id,
        via: ctx.caller.via,
        session: ctx.sessionId,
        method,
        target: typeof name === 'string' ? name : undefined,
        backend: target?.backend,
        outcome,
        code,
        reason,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        arguments: method === 'tools/call' ? params?.arguments : method === 'prompts/get' ? params?.arguments : undefined,
      });
    }
  }

  /**
   * target(), but a name this worker does not know yet is looked up again once
   * every ready backend's lists are loaded: a call may arrive before this
   * worker's first fetch finished, or after one that failed (a request for a
   * listed name must not fail because it landed on a newer worker). Known
   * names cost nothing extra; unknown ones wait only for fetches that are due.
   */
  private locate(ctx: RequestContext, method: string, params: JsonObject): Promise<Target> {
    return ctx.trace?.recording ? routeSpan(ctx.trace, method, params, () => this.lookup(ctx, method, params)) : this.lookup(ctx, method, params);
  }

  private async lookup(ctx: RequestContext, method: string, params: JsonObject): Promise<Target> {
    for (const kind of LOOKUP_KINDS[method]!) this.upstreams.markServed(kind);
    // A client with backend sessions of its own looks names up in its own lists, which may not be loaded yet:
    // a URI found in another server's lists meanwhile would go to the wrong backend.
    if (this.upstreams.hasOwnLists(ctx)) await Promise.all(LOOKUP_KINDS[method]!.map((kind) => this.upstreams.readyCatalog(kind, ctx)));
    try {
      return this.target(ctx, method, params);
    } catch (err) {
      if (!(err instanceof GatewayError) || !UNKNOWN_NAME_ERRORS.has(err.errorName)) throw err;
      await Promise.all(LOOKUP_KINDS[method]!.map((kind) => this.upstreams.readyCatalog(kind, ctx)));
      return this.target(ctx, method, params);
    }
  }

  /** Resolves the owning backend and rewrites the name back to the backend's own. */
  target(ctx: RequestContext, method: string, params: JsonObject): Target {
    const catalog = this.upstreams.catalogFor(ctx);
    switch (method) {
      case 'tools/call':
      case 'prompts/get': {
        const kind = method === 'tools/call' ? 'tools' : 'prompts';
        const name = requireString(params, 'name', method);
        const routed = catalog.resolve(kind, name);
        if (!routed) {
          const disabled = this.upstreams.disabledOwner(name);
          if (disabled !== undefined) throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `server ${disabled} is disabled by an operator (POST /api/v1/admin/servers/${disabled}/enable turns it back on)`, { server: disabled, disabled: true });
          throw new GatewayError(kind === 'tools' ? 'GW_ERR_UNKNOWN_TOOL' : 'GW_ERR_UNKNOWN_PROMPT', `Unknown ${kind === 'tools' ? 'tool' : 'prompt'}: ${name}`);
        }
        const action: Action = kind === 'tools' ? 'tools/call' : 'prompts/get';
        return { backend: routed.backend, params: { ...params, name: routed.original }, name, schema: routed.item.inputSchema, tool: routed.item, access: { action, target: { server: routed.backend, name, original: routed.original } } };
      }
      case 'completion/complete': {
        const ref = isObject(params.ref) ? params.ref : {};
        if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
          const routed = catalog.resolve('prompts', ref.name);
          if (!routed) throw new GatewayError('GW_ERR_UNKNOWN_PROMPT', `Unknown prompt: ${ref.name}`);
          return { backend: routed.backend, params: { ...params, ref: { ...ref, name: routed.original } }, name: ref.name, access: { action: 'prompts/get', target: { server: routed.backend, name: ref.name, original: routed.original } } };
        }
        if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
          const backend = catalog.resolve('resourceTemplates', ref.uri)?.backend ?? catalog.resolveUri(ref.uri);
          if (!backend) throw this.unknownResource(ctx, ref.uri);
          return { backend, params, name: ref.uri, access: { action: 'resources/read', target: { server: backend, uri: ref.uri } } };
        }
        throw new GatewayError('GW_ERR_INVALID_PARAMS', 'completion/complete needs params.ref of type ref/prompt (with name) or ref/resource (with uri)');
      }
      default: {
        const uri = requireString(params, 'uri', method);
        const backend = catalog.resolveUri(uri);
        if (!backend) throw this.unknownResource(ctx, uri);
        return { backend, params, name: uri, access: { action: 'resources/read', target: { server: backend, uri } } };
      }
    }
  }

  private unknownResource(ctx: RequestContext, uri: string): GatewayError {
    return new GatewayError('GW_ERR_UNKNOWN_RESOURCE', `Resource not found: ${uri}`, { uri }, resourceNotFoundCode(ctx.protocolVersion));
  }

  private async forward(ctx: RequestContext, method: string, target: Target): Promise<JsonObject> {
    const backend = this.upstreams.get(target.backend);
    if (!backend || !backend.ready) {
      const state = backend?.status();
      throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `Backend ${target.backend} is ${state?.state ?? 'not configured'}${state?.lastError ? ` (${state.lastError})` : ''}`, NOT_READY);
    }
    const modernInput = ctx.era === 'modern' && INPUT_METHODS.has(method);
    let params = target.params;
    if (modernInput && params.requestState !== undefined) {
      const state = this.sealer.open(params.requestState, { method, name: target.name, principal: ctx.principal });
      if (state.k === 'held') return this.resumer.resume(state.w, state.h ?? '', state.r, params.inputResponses, ctx.signal, (n) => ctx.notify(n));
      const { requestState: _sealed, ...rest } = params;
      params = state.s === undefined ? rest : { ...rest, requestState: state.s };
    }
    // The caller's own credentials for this backend, never its token (auth.upstream; resolved or refused here).
    const credentials = this.access.perPrincipal(target.backend) ? await this.access.credentials(target.backend, ctx.caller) : undefined;
    // Set when a modern client lacks what a legacy backend asked for: the call then fails with -32021.
    let needed: JsonObject | undefined;
    const call = (ask: LinkHooks['onServerRequest'], signal: CancelSignal, notify: (n: JsonRpcNotification) => boolean | void = (n) => ctx.notify(n)) => {
      // A modern call is aborted here when the client lacks a capability the backend asks for.
      const local = ctx.era === 'modern' ? new CancelSource() : undefined;
      const unlink = local ? forwardAbort(signal, local) : noop;
      const hooks: LinkHooks = {
        onNotification: (n) => {
          if (n.method === 'notifications/message' && !this.wantsLog(ctx, n.params)) return;
          if (notify(n) === false) countDroppedNotification(target.backend, n.method);
        },
        onServerRequest: (m, p) => {
          if (!CLIENT_METHODS.has(m)) return Promise.reject(new UpstreamRpcError(-32601, `Method not found: clients do not serve ${m}`));
          if (m === 'ping') return Promise.resolve({});
          const required = missingCapability(m, p, ctx.clientCapabilities);
          if (!required) return ask(m, p);
          if (ctx.era === 'modern') {
            needed = required;
            local?.abort();
          }
          return Promise.reject(refusal(m, required));
        },
      };
      const context = (trace: TraceCarrier | undefined): CallContext => ({ clientCapabilities: ctx.clientCapabilities, logLevel: ctx.logLevel, hooks, acceptInputRequired: modernInput, signal: local?.signal ?? signal, group: ctx.group, toolSchema: target.schema, client: ctx, credentials, trace });
      // Several replicas: the routing policies pick one per attempt (replica-routing.ts), under one span. One: straight to it.
      const routing = backend.routing;
      const send = routing
        ? withAttemptSpan(ctx.trace, target.backend, method, params, (trace) => routing.call(method, params, context(trace), target.tool))
        : withTiming(target.backend, withBreaker(this.breakers, target.backend, withAttemptSpan(ctx.trace, target.backend, method, params, (trace) => backend.call(method, params, context(trace)))));
      return send()
        .catch((err: unknown) => {
          if (needed) throw new GatewayError('GW_ERR_MISSING_CAPABILITY', `${method} needs client capabilities the request did not declare`, { requiredCapabilities: needed });
          throw err;
        })
        .finally(unlink);
    };

    if (ctx.ask) return call(ctx.ask, ctx.signal);
    if (!modernInput || backend.era === 'modern') {
      const result = await call(noAsk(method), ctx.signal);
      return modernInput && result.resultType === 'input_required' ? this.wrapBackendState(result, target, method, ctx) : result;
    }
    // Modern client, legacy backend: hold the call open across input_required rounds.
    return this.held.start({ backend: target.backend, method, name: target.name, principal: ctx.principal }, ctx.signal, (n) => ctx.notify(n), call);
  }

  /** Legacy: the session's level filters (none set: everything passes). Modern: only requests that set a level get logs. */
  private wantsLog(ctx: RequestContext, params: unknown): boolean {
    if (ctx.logLevel === undefined) return ctx.era === 'legacy';
    return !isObject(params) || logPasses(params.level, ctx.logLevel);
  }

  /** A modern backend's own requestState goes out sealed with its routing, so a retry is checked and routed here. */
  private wrapBackendState(result: JsonObject, target: Target, method: string, ctx: RequestContext): JsonObject {
    const payload: StatePayload = { k: 'backend', b: target.backend, m: method, n: target.name, p: ctx.principal, e: Date.now() + INPUT_STATE_TTL_MS };
    if (typeof result.requestState === 'string') payload.s = result.requestState;
    return { ...result, requestState: this.sealer.seal(payload) };
  }
}

function noAsk(method: string): LinkHooks['onServerRequest'] {
  return (m) => Promise.reject(new UpstreamRpcError(-32601, `only1mcp: ${m} cannot be forwarded to this client during ${method}`));
}

function requireString(params: JsonObject, key: string, method: string): string {
  const value = params[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new GatewayError('GW_ERR_INVALID_PARAMS', `${method} needs params.${key} as a non-empty string`);
  }
  return value;
}

const noNote = (): void => undefined;

/** What the authorizer needs of a listed item: its server and name (tools, prompts) or URI (resources). */
export function authTargetOf(catalog: Catalog, kind: ListKind, item: JsonObject): AuthTarget {
  // Routed by its key: a resource has a name too, but its grants and its route are by URI.
  const key = String(item[KEY_FIELD[kind]]);
  const routed = catalog.resolve(kind, key);
  if (kind === 'tools' || kind === 'prompts') return { server: routed?.backend, name: key, original: routed?.original };
  return { server: routed?.backend, uri: key };
}

/** An audit line's outcome for a call that threw. */
function auditOutcomeOf(err: unknown): { outcome: AuditOutcome; code: string | number | undefined; reason: string | undefined } {
  if (err instanceof GatewayError) {
    const denied = err.errorName === 'GW_ERR_PERMISSION_DENIED' || err.errorName === 'GW_ERR_FORBIDDEN';
    const limited = err.errorName === 'GW_ERR_RATE_LIMITED';
    return { outcome: denied ? 'denied' : limited ? 'rate-limited' : 'error', code: err.errorName, reason: denied || limited ? err.message : undefined };
  }
  if (err instanceof UpstreamRpcError) return { outcome: 'error', code: err.code, reason: undefined };
  return { outcome: 'error', code: 'GW_ERR_INTERNAL', reason: undefined };
}
