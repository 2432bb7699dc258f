/**
 * Who a request acts for. The gate (gate.ts) makes one per credential and
 * hands it down in the request context; nothing past the gate ever sees a
 * token. A Principal is immutable and may be shared by every request that
 * presents the same credential (the gate caches them), so per-principal
 * memos can key on the object itself.
 */

export type AuthMethod = 'api-key' | 'jwt' | 'anonymous';

export interface Principal {
  /** The stable id: an API key's principal, a token's principal claim, or "anonymous". */
  readonly id: string;
  /** Roles as the credential states them (unknown ones grant nothing), plus auth.defaultRoles. */
  readonly roles: readonly string[];
  /** How it authenticated. */
  readonly via: AuthMethod;
  /** OAuth scopes the token carried (empty for API keys and anonymous). */
  readonly scopes: readonly string[];
  /** When the credential stops being valid (ms since epoch); undefined: it does not expire. */
  readonly expiresAt: number | undefined;
}

export const ANONYMOUS_ID = 'anonymous';

export function makePrincipal(id: string, roles: readonly string[], via: AuthMethod, scopes: readonly string[] = [], expiresAt?: number): Principal {
  return Object.freeze({ id, roles: Object.freeze([...new Set(roles)]), via, scopes: Object.freeze([...scopes]), expiresAt });
}
