/**
 * What goes to a server with several replicas (docs/routing.md), between
 * the router and the Backend:
 *
 * - calls go through the server's routing policies (ServerRouting in
 *   src/policy/replicated-call.ts: retry on another replica for idempotent
 *   requests within the budget → pick over the replicas that may take it →
 *   per attempt: in-flight count, timing, the replica's breaker, outlier
 *   detection), each attempt run by Backend.call on the picked replica;
 * - a client's own 2025 backend session is pinned to the replica that holds
 *   it, as recorded in its UpstreamRef (`r`), so every worker and node sends
 *   its calls there; while that replica may take calls the pick is it, else
 *   the call goes elsewhere and the replica's per-client link opens a new
 *   session there and tells the client its state was reset (backends/http,
 *   stdio-link.ts);
 * - consistent-hash keys (session, principal, a tool argument) place shared
 *   calls and new sessions;
 * - lists come from every replica that may take calls and are settled by
 *   ListAgreement (again whenever a replica becomes ready or comes back);
 * - a replica the active checks bring back (unhealthy → healthy) ends its
 *   outlier ejection on this worker and closes its circuit: the check is
 *   fresher evidence than the faults that took it out, and it is what puts a
 *   restored replica back in rotation within a check interval or two.
 *
 * One per replicated server per worker, rebuilt with the server. A server
 * with one replica never gets one: its calls keep the short path.
 */
import { GatewayError, NOT_READY } from '../mcp/errors.js';
import { ServerRouting } from '../policy/replicated-call.js';
import { hash32 } from '../policy/balancer/hash.js';
import { ANONYMOUS_PRINCIPAL, type ScopeClient, type UpstreamScope } from './upstream-scope.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { KeySource } from '../policy/hash-key.js';
import type { RandomSource } from '../policy/balancer/balancer.js';
import type { Backend, CallContext, ReplicaCalls } from '../backends/backend.js';
import type { Replica, ReplicaStatus } from '../backends/replica.js';
import type { ScopeHome } from '../backends/link.js';
import type { CircuitBreakers } from '../policy/circuit-breaker.js';
import type { HealthView } from '../policy/health-view.js';
import type { ListAgreement } from './list-agreement.js';
import type { HealthSnapshot } from '../state/store.js';

export interface ReplicaRoutingDeps {
  readonly breakers: CircuitBreakers;
  readonly health: HealthView;
  readonly agreement: ListAgreement;
  /** Where clients' own backend sessions are remembered; undefined when every server is served shared. */
  readonly home: ((scope: UpstreamScope) => ScopeHome) | undefined;
  /** A replica came back (the checks passed again): its lists are fetched and compared anew. */
  readonly readmitted?: (() => void) | undefined;
  readonly random?: RandomSource | undefined;
}

export class ReplicaRouting implements ReplicaCalls {
  readonly policy: ServerRouting;
  private readonly keys: ReadonlySet<string>;
  private readonly unlisten: () => void;

  constructor(private readonly backend: Backend, private readonly deps: ReplicaRoutingDeps) {
    this.policy = new ServerRouting(backend.config, {
      breakers: deps.breakers,
      health: deps.health,
      ready: (id) => backend.replica(id)?.ready === true,
      random: deps.random,
    });
    this.keys = new Set(this.policy.keys);
    void deps.health.load(this.policy.keys);
    this.unlisten = deps.health.onChange((key, state) => this.onHealth(key, state));
  }

  async call(method: string, params: JsonObject | undefined, ctx: CallContext, tool?: unknown): Promise<JsonObject> {
    const scope = ctx.scope ?? this.backend.scopeOf(ctx.client);
    const pinned = scope === undefined ? undefined : await this.holder(scope);
    const key = keySource(ctx.client, scope, method === 'tools/call' ? params?.arguments : undefined);
    return this.policy.call(method, (r) => this.backend.call(method, params, ctx, this.replicaOf(r.id)), { tool, key, pinned })();
  }

  async scopedReplica(scope: UpstreamScope, client: ScopeClient | undefined): Promise<Replica> {
    const pinned = await this.holder(scope);
    const picked = this.policy.set.pick(this.policy.keyFor(keySource(client, scope, undefined)), { prefer: pinned });
    if (!picked) throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `No replica of ${this.backend.name} can take the request now`, NOT_READY);
    return this.replicaOf(picked.id);
  }

  async list(kind: string, fetch: (replica: Replica) => Promise<JsonObject[]>): Promise<JsonObject[]> {
    const eligible = this.policy.set.eligible();
    if (eligible.length === 0) throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `No replica of ${this.backend.name} can serve its lists now`, NOT_READY);
    const settled = await Promise.allSettled(eligible.map((r) => this.policy.attempt(r, () => fetch(this.replicaOf(r.id)))));
    const answers: Array<{ replica: string; items: JsonObject[] }> = [];
    let failure: unknown;
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') answers.push({ replica: eligible[i]!.id, items: outcome.value });
      else failure ??= outcome.reason;
    });
    if (answers.length === 0) throw failure;
    return this.deps.agreement.settle(this.backend.name, kind, answers);
  }

  listScope(): string {
    return hash32(this.policy.set.eligible().map((r) => r.id).join('\n')).toString(36);
  }

  /** Each replica as this worker sees it, for the admin view. */
  view(now = Date.now()): ReplicaStatus[] {
    const differ = this.deps.agreement.differences(this.backend.name);
    const ejected = new Map(this.policy.outliers.ejected(now).map((e) => [e.key, e.until]));
    return this.policy.set.replicas.map((r) => {
      const out: ReplicaStatus = {
        id: r.id,
        state: this.backend.replica(r.id)?.link.status().state ?? 'stopped',
        health: this.deps.health.snapshot(r.key).state,
        circuit: this.deps.breakers.snapshot(r.key).state,
        inflight: r.inflight,
        weight: r.weight,
      };
      const until = ejected.get(r.key);
      if (until !== undefined) out.ejectedUntil = until;
      if (differ[r.id]) out.listsDiffer = differ[r.id];
      return out;
    });
  }

  close(): void {
    this.unlisten();
    this.deps.agreement.forget(this.backend.name);
  }

  /** The replica holding the client's own backend session, as its reference says (none yet: undefined). */
  private async holder(scope: UpstreamScope): Promise<string | undefined> {
    if (!this.deps.home) return undefined;
    const ref = await this.deps.home(scope).ref(this.backend.name).catch(() => undefined);
    if (ref === undefined) return undefined;
    // References stored before the server had replicas name its first one.
    return ref.r ?? this.backend.replicas[0]!.id;
  }

  private replicaOf(id: string): Replica {
    const replica = this.backend.replica(id);
    if (!replica) throw new GatewayError('GW_ERR_INTERNAL', `replica ${id} of ${this.backend.name} is not configured`);
    return replica;
  }

  private onHealth(key: string, state: HealthSnapshot): void {
    if (state.state !== 'healthy' || !this.keys.has(key)) return;
    this.policy.outliers.reinstate(key);
    if (this.deps.breakers.snapshot(key).state !== 'closed') void this.deps.breakers.record(key, true);
    // Its link may be backing off between reconnects (a stream that dropped, a handshake that failed): now, not later.
    this.backend.replica(key.slice(this.backend.name.length + 1))?.link.reconnect?.();
    // A replica back from an outage may be a new deployment: its lists are compared with the others'.
    this.deps.readmitted?.();
  }
}

/**
 * What consistent-hash hashes for a call: the client's session (or its
 * scope's), its principal unless nobody authenticated (every anonymous
 * client on one replica would be no spread at all), a tool's arguments.
 */
function keySource(client: ScopeClient | undefined, scope: UpstreamScope | undefined, args: unknown): KeySource {
  const principal = client?.principal;
  return {
    sessionId: client?.sessionId ?? scope?.sessionId,
    principal: principal === undefined || principal === ANONYMOUS_PRINCIPAL ? undefined : principal,
    args,
  };
}
