/**
 * Role-based authorization: the one check behind every list, search result,
 * call, read, subscription and admin view.
 *
 *   authorize(principal, action, target) → ALLOWED | a denial naming the permission
 *   filter(principal, action, items, targetOf) → the items the principal may use
 *   roleSetKey(principal) → the key a list cache may share between principals
 *
 * Listing is the same permission as using: a tool is listed iff it may be
 * called (tools/list and search results use 'tools/call'), a resource iff it
 * may be read (resources/list, templates, subscribe use 'resources/read'), a
 * prompt iff it may be got (prompts/list, completion use 'prompts/get').
 *
 * Grants only add up: a principal may use what any of its roles grants.
 * Roles a token names that the config does not define grant nothing.
 * Without roles in config there is no RBAC: every principal that passed the
 * gate may use every tool, resource and prompt; the admin views still need a
 * role with `admin: true` whenever an authentication mode is configured.
 */
import { createHash } from 'node:crypto';
import type { AuthConfig, RoleConfig } from '../config/auth-model.js';
import { GatewayError } from '../mcp/errors.js';
import { MAX_ROLE_SETS_CACHED } from './defaults.js';
import { compileGlobs, matches } from './glob.js';
import type { Principal } from './principal.js';

export type Action = 'tools/call' | 'resources/read' | 'prompts/get' | 'admin';

/**
 * What an action is on. Tools and prompts: `server` (config name), `name`
 * (as clients see it) and `original` (the server's own name). Resources:
 * `server` and `uri` (a resource template's uriTemplate for templates).
 * Admin: nothing.
 */
export interface AuthTarget {
  readonly server?: string;
  readonly name?: string;
  readonly original?: string;
  readonly uri?: string;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly permission: string; readonly message: string };

export const ALLOWED: Decision = Object.freeze({ allowed: true });

/** The JSON-RPC methods whose results or targets a role grant decides, and the action each needs. */
export const ACTION_OF_METHOD: Readonly<Record<string, Action>> = Object.freeze({
  'tools/list': 'tools/call',
  'tools/call': 'tools/call',
  'resources/list': 'resources/read',
  'resources/templates/list': 'resources/read',
  'resources/read': 'resources/read',
  'resources/subscribe': 'resources/read',
  'resources/unsubscribe': 'resources/read',
  'prompts/list': 'prompts/get',
  'prompts/get': 'prompts/get',
});

interface CompiledRole {
  readonly servers: RegExp | undefined;
  readonly tools: RegExp | undefined;
  readonly originalTools: readonly (readonly [RegExp | undefined, RegExp | undefined])[];
  readonly resources: RegExp | undefined;
  readonly prompts: RegExp | undefined;
  readonly admin: boolean;
}

interface Grants {
  readonly key: string;
  readonly roles: readonly CompiledRole[];
}

export class Authorizer {
  /** False without an auth section: everything is allowed. */
  private readonly enabled: boolean;
  private readonly rbac: boolean;
  private readonly adminNeedsRole: boolean;
  private readonly roles: ReadonlyMap<string, CompiledRole>;
  private readonly byPrincipal = new WeakMap<Principal, Grants>();
  private readonly byRoleSet = new Map<string, Grants>();

  constructor(auth: AuthConfig) {
    this.enabled = auth.enabled;
    this.rbac = Object.keys(auth.roles).length > 0;
    this.adminNeedsRole = this.rbac || auth.apiKeys.length > 0 || auth.jwt !== undefined;
    this.roles = new Map(Object.entries(auth.roles).map(([name, r]) => [name, compileRole(r)]));
  }

  authorize(principal: Principal, action: Action, target: AuthTarget = {}): Decision {
    if (!this.enabled) return ALLOWED;
    if (action === 'admin') {
      if (!this.adminNeedsRole || this.grantsOf(principal).roles.some((r) => r.admin)) return ALLOWED;
      return deny(principal, 'admin', 'use the admin API');
    }
    if (!this.rbac) return ALLOWED;
    const roles = this.grantsOf(principal).roles;
    for (const role of roles) if (grants(role, action, target)) return ALLOWED;
    const what = permissionTarget(action, target);
    return deny(principal, `${action} ${what}`, `${VERB[action]} ${what}`);
  }

  /** The items the principal may use; the same array when all may. */
  filter<T>(principal: Principal, action: Action, items: readonly T[], targetOf: (item: T) => AuthTarget): readonly T[] {
    if (!this.enabled || !this.rbac) return items;
    const kept = items.filter((item) => this.authorize(principal, action, targetOf(item)).allowed);
    return kept.length === items.length ? items : kept;
  }

  /**
   * Principals with the same key see the same lists: the defined roles they
   * hold, sorted ("admin,reader"), hashed when long. Without RBAC everyone
   * shares one key.
   */
  roleSetKey(principal: Principal): string {
    if (!this.enabled || !this.rbac) return '*';
    return this.grantsOf(principal).key;
  }

  /** The error a denial is sent as. */
  static errorFor(decision: Exclude<Decision, { allowed: true }>): GatewayError {
    const name = decision.permission === 'admin' ? 'GW_ERR_FORBIDDEN' : 'GW_ERR_PERMISSION_DENIED';
    return new GatewayError(name, decision.message, { permission: decision.permission });
  }

  private grantsOf(principal: Principal): Grants {
    let g = this.byPrincipal.get(principal);
    if (g !== undefined) return g;
    const names = [...new Set(principal.roles.filter((r) => this.roles.has(r)))].sort();
    const joined = names.join(',');
    const key = joined.length <= 128 ? joined : `#${createHash('sha256').update(joined).digest('base64url')}`;
    g = this.byRoleSet.get(key);
    if (g === undefined) {
      if (this.byRoleSet.size >= MAX_ROLE_SETS_CACHED) this.byRoleSet.clear();
      g = { key, roles: names.map((n) => this.roles.get(n) as CompiledRole) };
      this.byRoleSet.set(key, g);
    }
    this.byPrincipal.set(principal, g);
    return g;
  }
}

const VERB: Readonly<Record<Exclude<Action, 'admin'>, string>> = {
  'tools/call': 'call tool',
  'resources/read': 'read resource',
  'prompts/get': 'get prompt',
};

function compileRole(r: RoleConfig): CompiledRole {
  return {
    servers: compileGlobs(r.servers, 'name'),
    tools: compileGlobs(r.tools, 'name'),
    originalTools: Object.entries(r.originalTools).map(([server, names]) => [compileGlobs([server], 'name'), compileGlobs(names, 'name')] as const),
    resources: compileGlobs(r.resources, 'uri'),
    prompts: compileGlobs(r.prompts, 'name'),
    admin: r.admin,
  };
}

function grants(role: CompiledRole, action: Exclude<Action, 'admin'>, t: AuthTarget): boolean {
  if (t.server !== undefined && matches(role.servers, t.server)) return true;
  switch (action) {
    case 'tools/call':
      if (t.name !== undefined && matches(role.tools, t.name)) return true;
      if (t.server === undefined || t.original === undefined) return false;
      for (const [server, names] of role.originalTools) if (matches(server, t.server) && matches(names, t.original)) return true;
      return false;
    case 'resources/read':
      return t.uri !== undefined && matches(role.resources, t.uri);
    case 'prompts/get':
      return t.name !== undefined && matches(role.prompts, t.name);
  }
}

function permissionTarget(action: Action, t: AuthTarget): string {
  return (action === 'resources/read' ? t.uri : t.name) ?? t.server ?? '?';
}

function deny(principal: Principal, permission: string, what: string): Decision {
  const roles = principal.roles.length === 0 ? 'no roles' : `roles: ${principal.roles.join(', ')}`;
  return Object.freeze({ allowed: false, permission, message: `principal "${principal.id}" (${roles}) may not ${what}: missing permission "${permission}"` });
}
