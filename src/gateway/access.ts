/**
 * Who may use what, as the router and the catalog views ask it: the one
 * place on the request path that applies the identity layer (src/auth/)
 * after the front door authenticated the caller. Every list, search result,
 * call, read, prompt, completion and subscription goes through here:
 *
 *   permit()  authorize + rate limit a call; a refusal throws the error the
 *             client gets (naming the missing permission, or retryAfterMs)
 *   visible() a list as the caller may see it, memoized per role set, so
 *             principals with the same roles share one filtered array and
 *             RBAC costs no backend fetch
 *   record()  the audit line of a call, read or denial
 *
 * The Identity behind it is per config generation; a reload swaps it.
 */
import { ACTION_OF_METHOD, Authorizer, type Action, type AuthTarget } from '../auth/authorizer.js';
import type { Identity } from '../auth/identity.js';
import type { Principal } from '../auth/principal.js';
import type { AuditEntry } from '../auth/audit-log.js';
import type { UpstreamCredentials } from '../auth/upstream-credentials.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { ListKind } from './catalog.js';

/** The action that listing or using an item of each list kind needs. */
const ACTION_OF_KIND: Readonly<Record<ListKind, Action>> = {
  tools: 'tools/call',
  prompts: 'prompts/get',
  resources: 'resources/read',
  resourceTemplates: 'resources/read',
};

/** Filtered lists kept per source array: the distinct role sets a list is shown to (beyond it, recomputed). */
export const MAX_ROLE_SETS_PER_LIST = 64;

/** How a listed item names its server and itself, for the authorizer. */
export type TargetOf = (item: JsonObject) => AuthTarget;

export class Access {
  /** Filtered lists per source array and role set; dropped with the array when a list changes. */
  private readonly filtered = new WeakMap<readonly JsonObject[], Map<string, readonly JsonObject[]>>();

  constructor(private identity: Identity) {}

  /** A new config generation: the old identity layer is closed once in-flight work no longer needs it. */
  swap(next: Identity): Identity {
    const old = this.identity;
    this.identity = next;
    return old;
  }

  get current(): Identity {
    return this.identity;
  }

  /** Authorizes a call of `method` on `target`, then takes its rate-limit tokens; throws the refusal. */
  async permit(caller: Principal, method: string, target: AuthTarget, tool?: string): Promise<void> {
    const action = ACTION_OF_METHOD[method];
    if (action !== undefined) {
      const decision = this.identity.authorizer.authorize(caller, action, target);
      if (!decision.allowed) throw Authorizer.errorFor(decision);
    }
    if (method !== 'tools/call' && method !== 'resources/read' && method !== 'prompts/get') return;
    const limited = await this.identity.limiter.check(caller, { method, tool });
    if (!limited.ok) throw limited.error;
  }

  /** Authorization without a rate limit (completions, unsubscribing); throws the refusal. */
  authorize(caller: Principal, action: Action, target: AuthTarget): void {
    const decision = this.identity.authorizer.authorize(caller, action, target);
    if (!decision.allowed) throw Authorizer.errorFor(decision);
  }

  /** Whether the caller may use one item of a list (search results, load_tools). */
  allows(caller: Principal, kind: ListKind, target: AuthTarget): boolean {
    return this.identity.authorizer.authorize(caller, ACTION_OF_KIND[kind], target).allowed;
  }

  /** A list as the caller may see it: the same array for every principal with the same roles. */
  visible(caller: Principal, kind: ListKind, items: readonly JsonObject[], targetOf: TargetOf): readonly JsonObject[] {
    const authorizer = this.identity.authorizer;
    const key = authorizer.roleSetKey(caller);
    if (key === '*') return items;
    let byRoles = this.filtered.get(items);
    if (!byRoles) {
      byRoles = new Map();
      this.filtered.set(items, byRoles);
    }
    let shown = byRoles.get(key);
    if (!shown) {
      shown = authorizer.filter(caller, ACTION_OF_KIND[kind], items, targetOf);
      if (byRoles.size >= MAX_ROLE_SETS_PER_LIST) byRoles.clear();
      byRoles.set(key, shown);
    }
    return shown;
  }

  /** The role-set key lists and search indexes are cached by. */
  roleSetKey(caller: Principal): string {
    return this.identity.authorizer.roleSetKey(caller);
  }

  record(entry: AuditEntry): void {
    this.identity.audit?.record(entry);
  }

  get auditing(): boolean {
    return this.identity.audit !== undefined;
  }

  /** Credentials a backend session of `server` opened for this caller carries (undefined: the server's own). */
  async credentials(server: string, caller: Principal): Promise<UpstreamCredentials | undefined> {
    const resolved = await this.identity.credentials.forServer(server, caller);
    if (!resolved.ok) throw resolved.error;
    return resolved.credentials;
  }

  /** True when the server's sessions carry per-principal credentials and so must never be shared across principals. */
  perPrincipal(server: string): boolean {
    return this.identity.credentials.perPrincipal(server);
  }
}
