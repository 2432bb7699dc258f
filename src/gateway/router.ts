/**
 * Method → what answers it. List methods are served from the merged
 * catalog; call methods go to the one backend that owns the name or URI;
 * everything the backend sends back during the call flows to the client the
 * way the client's era allows (see forward()).
 */
import { GatewayError, NOT_READY } from '../mcp/errors.js';
import { isObject, type JsonObject, type JsonRpcNotification } from '../mcp/jsonrpc.js';
import { logPasses, resourceNotFoundCode } from '../mcp/versions.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import { LIST_METHODS, type ListKind } from './catalog.js';
import { CLIENT_METHODS, missingCapability, refusal } from './client-capabilities.js';
import type { Upstreams } from './upstreams.js';
import type { RequestContext } from './request-context.js';
import type { HeldCalls } from './held-calls.js';
import type { RemoteResume } from './remote-resume.js';
import type { StateSealer, StatePayload } from './request-state.js';
import type { LinkHooks } from '../backends/link.js';
import type { ResourceSubscriptions } from './resource-subscriptions.js';
import type { CircuitBreakers } from '../policy/circuit-breaker.js';
import type { ContextService } from './context-service.js';
import { withBreaker } from '../policy/breaker-policy.js';
import { withTiming } from '../policy/timing-policy.js';
import { CancelSource, forwardAbort, noop, type CancelSignal } from './cancellation.js';
import { share } from '../mcp/shared-result.js';
import { INPUT_STATE_TTL_MS } from '../config/defaults.js';

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
  /** tools/call: the tool definition's input schema. */
  schema?: unknown;
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
          return this.context.callMeta(ctx, this.upstreams.catalogFor(ctx), name, args, extra, (tool, a, more) => this.handle(ctx, 'tools/call', { ...more, name: tool, arguments: a }));
        }
        const target = await this.locate(ctx, method, params ?? {});
        if (typeof name === 'string') await this.context.used(ctx, name);
        return this.forward(ctx, method, target);
      }
      case 'prompts/get':
      case 'resources/read':
      case 'completion/complete':
        return this.forward(ctx, method, await this.locate(ctx, method, params ?? {}));
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const target = await this.locate(ctx, method, params ?? {});
        // A client's own backend session holds its own subscription (and sends the updates to that client alone).
        const backend = this.upstreams.get(target.backend);
        const scope = backend?.scopeOf(ctx);
        if (backend?.scoped && scope) {
          const link = backend.scoped.get(scope);
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
    const items = catalog.list(kind);
    const shown = kind === 'tools' ? await this.context.listTools(ctx, items) : items;
    // The same array for every client until a list changes (search mode's working sets excepted): one shared result each.
    let result = this.listResults.get(shown);
    if (!result) {
      result = share({ [kind]: shown as JsonObject[] });
      this.listResults.set(shown, result);
    }
    return result;
  }

  /**
   * target(), but a name this worker does not know yet is looked up again once
   * every ready backend's lists are loaded: a call may arrive before this
   * worker's first fetch finished, or after one that failed (a request for a
   * listed name must not fail because it landed on a newer worker). Known
   * names cost nothing extra; unknown ones wait only for fetches that are due.
   */
  private async locate(ctx: RequestContext, method: string, params: JsonObject): Promise<Target> {
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
          throw new GatewayError(kind === 'tools' ? 'GW_ERR_UNKNOWN_TOOL' : 'GW_ERR_UNKNOWN_PROMPT', `Unknown ${kind === 'tools' ? 'tool' : 'prompt'}: ${name}`);
        }
        return { backend: routed.backend, params: { ...params, name: routed.original }, name, schema: routed.item.inputSchema };
      }
      case 'completion/complete': {
        const ref = isObject(params.ref) ? params.ref : {};
        if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
          const routed = catalog.resolve('prompts', ref.name);
          if (!routed) throw new GatewayError('GW_ERR_UNKNOWN_PROMPT', `Unknown prompt: ${ref.name}`);
          return { backend: routed.backend, params: { ...params, ref: { ...ref, name: routed.original } }, name: ref.name };
        }
        if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
          const backend = catalog.resolve('resourceTemplates', ref.uri)?.backend ?? catalog.resolveUri(ref.uri);
          if (!backend) throw this.unknownResource(ctx, ref.uri);
          return { backend, params, name: ref.uri };
        }
        throw new GatewayError('GW_ERR_INVALID_PARAMS', 'completion/complete needs params.ref of type ref/prompt (with name) or ref/resource (with uri)');
      }
      default: {
        const uri = requireString(params, 'uri', method);
        const backend = catalog.resolveUri(uri);
        if (!backend) throw this.unknownResource(ctx, uri);
        return { backend, params, name: uri };
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
    // Set when a modern client lacks what a legacy backend asked for: the call then fails with -32021.
    let needed: JsonObject | undefined;
    const call = (ask: LinkHooks['onServerRequest'], signal: CancelSignal, notify: (n: JsonRpcNotification) => void = (n) => ctx.notify(n)) => {
      // A modern call is aborted here when the client lacks a capability the backend asks for.
      const local = ctx.era === 'modern' ? new CancelSource() : undefined;
      const unlink = local ? forwardAbort(signal, local) : noop;
      const hooks: LinkHooks = {
        onNotification: (n) => {
          if (n.method === 'notifications/message' && !this.wantsLog(ctx, n.params)) return;
          notify(n);
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
      const send = withTiming(target.backend, withBreaker(this.breakers, target.backend, () =>
        backend.call(method, params, { clientCapabilities: ctx.clientCapabilities, logLevel: ctx.logLevel, hooks, acceptInputRequired: modernInput, signal: local?.signal ?? signal, group: ctx.group, toolSchema: target.schema, client: ctx }),
      ));
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
