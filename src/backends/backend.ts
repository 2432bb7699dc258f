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
 *
 * A server may run as several replicas (replica.ts), seen by clients as one
 * server. With one, `link` and `scoped` are its links and calls go straight
 * to them; with several, `routing` (src/gateway/replica-routing.ts) picks a
 * replica per attempt and `call(…, replica)` runs the attempt on it.
 */
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';
import { META, type LogLevel } from '../mcp/versions.js';
import { modernMeta } from './handshake.js';
import type { BackendLink, LinkCall, LinkHooks, LinkStatus, UpstreamSecrets } from './link.js';
import type { ScopedLinks } from './scoped-links.js';
import { Replica, type ReplicaStatus } from './replica.js';
import { scopeFor, type ScopeClient, type UpstreamScope } from '../gateway/upstream-scope.js';
import { paramHeaderValue, paramHeaders } from '../mcp/headers.js';
import type { ServerConfig } from '../config/model.js';
import type { CancelSignal } from '../gateway/cancellation.js';
import { TRACEPARENT, TRACESTATE, type TraceCarrier } from '../observe/trace-context.js';

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
  /** The caller's credentials for this backend, when its config gives per-principal ones. */
  credentials?: UpstreamSecrets | undefined;
  /** The trace context this attempt sends (`_meta`; HTTP links mirror it in headers). A client's own is never passed on as it came. */
  trace?: TraceCarrier | undefined;
}

/**
 * How a server with several replicas runs what goes to one of them
 * (src/gateway/replica-routing.ts). Absent for a server with one replica,
 * whose calls take the short path (Router.forward).
 */
export interface ReplicaCalls {
  /** A call through the routing policies (balancer, health, breakers, retries); a client's own session stays on its replica. */
  call(method: string, params: JsonObject | undefined, ctx: CallContext, tool?: unknown): Promise<JsonObject>;
  /** The replica a client's own backend session lives on, or the one it opens on now (the call's balancer pick). */
  scopedReplica(scope: UpstreamScope, client: ScopeClient | undefined): Promise<Replica>;
  /** A list from every replica that may take calls, the one they agree on (a replica that differs is reported). */
  list(kind: string, fetch: (replica: Replica) => Promise<JsonObject[]>): Promise<JsonObject[]>;
  /** Names the replicas list() would ask now: a list cached for another set of them is not this one's. */
  listScope(): string;
  /** Each replica as this worker sees it (the admin view). */
  view(): ReplicaStatus[];
  close(): void;
}

export class Backend {
  readonly replicas: readonly Replica[];
  /** Set (by Upstreams) when the server has several replicas. */
  routing: ReplicaCalls | undefined;
  private readonly byId: ReadonlyMap<string, Replica>;

  constructor(
    readonly config: ServerConfig,
    /** The first replica's shared backend session: `shared` servers, 2026-07-28 servers, the gateway's own list fetches. */
    readonly link: BackendLink,
    /** The first replica's per-client backend sessions, for servers whose isolation is not `shared`. */
    readonly scoped: ScopedLinks | undefined = undefined,
    /** Every replica, the first being (link, scoped); one when omitted. */
    replicas?: readonly Replica[],
  ) {
    this.replicas = replicas ?? [new Replica(config.replicas[0]?.id ?? '1', link, scoped)];
    this.byId = new Map(this.replicas.map((r) => [r.id, r]));
  }

  replica(id: string): Replica | undefined {
    return this.byId.get(id);
  }

  /** True when clients of this server get backend sessions of their own (a 2025-era server, isolation not `shared`). */
  get isolated(): boolean {
    return this.scoped !== undefined && this.era === 'legacy';
  }

  /** The client's scope on this server, or undefined when it shares the gateway's session. */
  scopeOf(client: ScopeClient | undefined): UpstreamScope | undefined {
    return client === undefined || !this.isolated ? undefined : scopeFor(this.config.common.isolation, client);
  }

  /** The link a call for this client goes through (on `replica`; the first one by default). */
  linkFor(ctx: Pick<CallContext, 'client' | 'scope'>, replica?: Replica): BackendLink {
    const link = replica === undefined ? this.link : replica.link;
    const scoped = replica === undefined ? this.scoped : replica.scoped;
    if (!scoped || this.era !== 'legacy') return link;
    const scope = ctx.scope ?? this.scopeOf(ctx.client);
    return scope ? scoped.get(scope) : link;
  }

  get name(): string {
    return this.config.name;
  }

  /** The server's state: with several replicas, the first ready one's (else the first's). */
  status(): LinkStatus {
    if (this.replicas.length === 1) return this.link.status();
    for (const r of this.replicas) if (r.ready) return r.link.status();
    return this.link.status();
  }

  get ready(): boolean {
    return this.status().state === 'ready';
  }

  get capabilities(): JsonObject {
    return this.status().identity?.capabilities ?? {};
  }

  get era(): 'legacy' | 'modern' | undefined {
    return this.status().identity?.era;
  }

  /** One call; `replica`: the replica to run it on (the routing's pick), the first one by default. */
  async call(method: string, params: JsonObject | undefined, ctx: CallContext, replica?: Replica): Promise<JsonObject> {
    if (this.era !== 'modern') {
      return this.linkFor(ctx, replica).call(this.linkCall(method, legacyParams(params, ctx.trace), ctx));
    }
    const link = replica === undefined ? this.link : replica.link;
    const first = withModernMeta(params, ctx);
    let current = first;
    for (let round = 1; ; round++) {
      const result = await link.call(this.linkCall(method, current, ctx));
      if (result.resultType !== 'input_required' || ctx.acceptInputRequired) return result;
      if (round > MAX_INPUT_ROUNDS) {
        throw new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend ${this.name} asked for input more than ${MAX_INPUT_ROUNDS} times on one ${method}`);
      }
      // Each retry is the original request plus this round's answers (and state, if the backend gave one).
      current = { ...first, ...(await answerInputRequests(result, ctx.hooks)) };
    }
  }

  /** A notification to the server's shared sessions (every replica's). */
  notify(method: string, params?: JsonObject): void {
    for (const r of this.replicas) r.link.notify(method, params);
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
      credentials: ctx.credentials,
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

/** The client's `_meta` minus the keys the gateway sets itself: the 2026 ones, and the trace context (the attempt's, not the client's). */
function ownMeta(params: JsonObject | undefined, trace: TraceCarrier | undefined): JsonObject {
  const out: JsonObject = {};
  const meta = params?._meta;
  if (isObject(meta)) {
    for (const key in meta) {
      if (!key.startsWith(RESERVED_META_PREFIX) && key !== TRACEPARENT && key !== TRACESTATE) out[key] = meta[key];
    }
  }
  if (trace) {
    out[TRACEPARENT] = trace.traceparent;
    if (trace.tracestate !== undefined) out[TRACESTATE] = trace.tracestate;
  }
  return out;
}

function withModernMeta(params: JsonObject | undefined, ctx: CallContext): JsonObject {
  const extra: JsonObject = ownMeta(params, ctx.trace);
  if (ctx.logLevel !== undefined) extra[META.logLevel] = ctx.logLevel;
  return { ...params, _meta: modernMeta(ctx.clientCapabilities, extra) };
}

/** A 2025-era backend gets none of the 2026 `_meta` keys; the trace context when there is one. */
function legacyParams(params: JsonObject | undefined, trace: TraceCarrier | undefined): JsonObject | undefined {
  if (!trace && (!params || !isObject(params._meta))) return params;
  const meta = ownMeta(params, trace);
  // The spread's own _meta is replaced; only an empty one needs the key removed (a rest copy costs more).
  if (trace || Object.keys(meta).length > 0) return { ...params, _meta: meta };
  const { _meta: _drop, ...rest } = params ?? {};
  return rest;
}
