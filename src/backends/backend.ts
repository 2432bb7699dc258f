/**
 * One configured backend as the gateway core sees it: a link plus the era
 * adaptation, so that callers deal with one call shape whatever the backend
 * speaks.
 *
 * - Modern backends get the caller's capabilities (and log level) in `_meta`
 *   on every request. Their `input_required` results are either returned as
 *   they are (when the caller is a modern client who will answer them) or
 *   answered here through the caller's hooks and retried: that loop is the
 *   translation for legacy clients.
 * - Legacy backends get no modern `_meta` keys; their backend-to-client
 *   requests reach the caller's hooks through the link.
 */
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';
import { META, type LogLevel } from '../mcp/versions.js';
import { modernMeta } from './handshake.js';
import type { BackendLink, LinkCall, LinkHooks, LinkStatus } from './link.js';
import type { ScopedLinks } from './scoped-links.js';
import { scopeFor, type ScopeClient, type UpstreamScope } from '../gateway/upstream-scope.js';
import { paramHeaderValue, paramHeaders } from '../mcp/headers.js';
import type { ServerConfig } from '../config/model.js';
import type { CancelSignal } from '../gateway/cancellation.js';

/** Rounds of input_required a call may go through before the gateway gives up on it. */
export const MAX_INPUT_ROUNDS = 16;

export interface CallContext {
  /** The end client's capabilities: what a modern backend may ask of it. */
  clientCapabilities: JsonObject;
  /** Modern backends only emit log messages for requests that carry a level. */
  logLevel: LogLevel | undefined;
  hooks: LinkHooks;
  /** True when the caller forwards input_required results to its client as they are. */
  acceptInputRequired: boolean;
  signal: CancelSignal | undefined;
  group: string;
  /** Extra time budget override (ms); defaults to the server's callTimeoutMs. Progress notifications restart it. */
  timeoutMs?: number;
  /** The most the call may run while reporting progress (ms); defaults to the server's maxCallMs. */
  maxTotalMs?: number;
  /** tools/call: the tool's input schema, whose `x-mcp-header` arguments a modern HTTP backend gets as headers. */
  toolSchema?: unknown;
  /** The client behind the call: where the server's isolation says so, its own backend session serves it. */
  client?: ScopeClient | undefined;
  /** The scope itself, when the caller has it already (a scoped list fetch). */
  scope?: UpstreamScope | undefined;
}

export class Backend {
  constructor(
    readonly config: ServerConfig,
    /** The gateway's own (shared) backend session: `shared` servers, 2026-07-28 servers, the gateway's own list fetches. */
    readonly link: BackendLink,
    /** Per-client backend sessions, for servers whose isolation is not `shared`. */
    readonly scoped: ScopedLinks | undefined = undefined,
  ) {}

  /** True when clients of this server get backend sessions of their own (a 2025-era server, isolation not `shared`). */
  get isolated(): boolean {
    return this.scoped !== undefined && this.era === 'legacy';
  }

  /** The client's scope on this server, or undefined when it shares the gateway's session. */
  scopeOf(client: ScopeClient | undefined): UpstreamScope | undefined {
    return client === undefined || !this.isolated ? undefined : scopeFor(this.config.common.isolation, client);
  }

  /** The link a call for this client goes through. */
  linkFor(ctx: Pick<CallContext, 'client' | 'scope'>): BackendLink {
    if (!this.scoped || this.era !== 'legacy') return this.link;
    const scope = ctx.scope ?? this.scopeOf(ctx.client);
    return scope ? this.scoped.get(scope) : this.link;
  }

  get name(): string {
    return this.config.name;
  }

  status(): LinkStatus {
    return this.link.status();
  }

  get ready(): boolean {
    return this.link.status().state === 'ready';
  }

  get capabilities(): JsonObject {
    return this.link.status().identity?.capabilities ?? {};
  }

  get era(): 'legacy' | 'modern' | undefined {
    return this.link.status().identity?.era;
  }

  async call(method: string, params: JsonObject | undefined, ctx: CallContext): Promise<JsonObject> {
    if (this.era !== 'modern') {
      return this.linkFor(ctx).call(this.linkCall(method, stripModernMeta(params), ctx));
    }
    const first = withModernMeta(params, ctx);
    let current = first;
    for (let round = 1; ; round++) {
      const result = await this.link.call(this.linkCall(method, current, ctx));
      if (result.resultType !== 'input_required' || ctx.acceptInputRequired) return result;
      if (round > MAX_INPUT_ROUNDS) {
        throw new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend ${this.name} asked for input more than ${MAX_INPUT_ROUNDS} times on one ${method}`);
      }
      // Each retry is the original request plus this round's answers (and state, if the backend gave one).
      current = { ...first, ...(await answerInputRequests(result, ctx.hooks)) };
    }
  }

  notify(method: string, params?: JsonObject): void {
    this.link.notify(method, params);
  }

  private linkCall(method: string, params: JsonObject | undefined, ctx: CallContext): LinkCall {
    const name = method === 'resources/read' ? params?.uri : params?.name;
    return {
      method,
      params,
      hooks: ctx.hooks,
      timeoutMs: ctx.timeoutMs ?? this.config.common.callTimeoutMs,
      maxTotalMs: ctx.maxTotalMs ?? this.config.common.maxCallMs,
      signal: ctx.signal,
      group: ctx.group,
      routingName: typeof name === 'string' ? name : undefined,
      headers: method === 'tools/call' && ctx.toolSchema !== undefined ? mirroredHeaders(ctx.toolSchema, params?.arguments) : undefined,
      logLevel: ctx.logLevel,
    };
  }
}

/** `Mcp-Param-*` headers for the arguments a tool's schema marks with `x-mcp-header` (2026-07-28 clients MUST send them). */
function mirroredHeaders(schema: unknown, args: unknown): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const { header, path } of paramHeaders(schema)) {
    const value = paramHeaderValue(args, path);
    if (value !== undefined) (out ??= {})[`mcp-param-${header.toLowerCase()}`] = value;
  }
  return out;
}

/**
 * Answers each entry of an InputRequiredResult through the caller's hooks and
 * returns the params to merge into the retry (`inputResponses`, `requestState`).
 */
export async function answerInputRequests(result: JsonObject, hooks: LinkHooks): Promise<JsonObject> {
  const requests = isObject(result.inputRequests) ? result.inputRequests : {};
  const inputResponses: JsonObject = {};
  for (const [key, request] of Object.entries(requests)) {
    if (!isObject(request) || typeof request.method !== 'string') continue;
    inputResponses[key] = await hooks.onServerRequest(request.method, isObject(request.params) ? request.params : undefined);
  }
  const retry: JsonObject = { inputResponses };
  if (typeof result.requestState === 'string') retry.requestState = result.requestState;
  return retry;
}

const RESERVED_META_PREFIX = 'io.modelcontextprotocol/';

function ownMeta(params: JsonObject | undefined): JsonObject {
  const meta = isObject(params?._meta) ? params._meta : {};
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(meta)) {
    if (!key.startsWith(RESERVED_META_PREFIX)) out[key] = value;
  }
  return out;
}

function withModernMeta(params: JsonObject | undefined, ctx: CallContext): JsonObject {
  const extra: JsonObject = ownMeta(params);
  if (ctx.logLevel !== undefined) extra[META.logLevel] = ctx.logLevel;
  return { ...params, _meta: modernMeta(ctx.clientCapabilities, extra) };
}

function stripModernMeta(params: JsonObject | undefined): JsonObject | undefined {
  if (!params || !isObject(params._meta)) return params;
  const meta = ownMeta(params);
  const { _meta: _drop, ...rest } = params;
  return Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
}
