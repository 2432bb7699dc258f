/**
 * What a backend receives for a caller (auth.upstream.<server>): never the
 * caller's token, but
 *
 *   1. the principal's static entry (headers for HTTP, env for stdio), else
 *   2. a token minted for this backend by RFC 8693 token exchange, when the
 *      caller authenticated with a JWT (an API-key caller has no token), else
 *   3. `unlisted`: deny (a permission error naming the server) or the
 *      server's own configured credentials.
 *
 * A server without an upstream entry gets its own configured credentials
 * for everyone (`credentials: undefined`). The result is added over the
 * server's own headers/env by whoever opens the backend session; a stdio
 * server's env needs a child per principal (isolation: principal).
 */
import type { AuthConfig, UpstreamConfig } from '../config/auth-model.js';
import { GatewayError } from '../mcp/errors.js';
import type { Principal } from './principal.js';
import { subjectTokenOf } from './subject-tokens.js';
import { TokenExchangeClient } from './token-exchange.js';

export interface UpstreamCredentials {
  readonly headers: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
}

/** `credentials` undefined: the server's own configured credentials only. */
export type CredentialsOutcome = { readonly ok: true; readonly credentials: UpstreamCredentials | undefined } | { readonly ok: false; readonly error: GatewayError };

const SERVER_OWN: CredentialsOutcome = Object.freeze({ ok: true, credentials: undefined });

export class UpstreamCredentialResolver {
  private readonly upstream: Readonly<Record<string, UpstreamConfig>>;
  private readonly exchanges = new Map<string, TokenExchangeClient>();
  private readonly statics = new Map<string, CredentialsOutcome>();

  constructor(auth: AuthConfig, now: () => number = Date.now) {
    this.upstream = auth.upstream;
    for (const [server, u] of Object.entries(auth.upstream)) {
      if (u.tokenExchange !== undefined) this.exchanges.set(server, new TokenExchangeClient(u.tokenExchange, now));
      for (const [id, c] of Object.entries(u.principals)) this.statics.set(`${server}\0${id}`, Object.freeze({ ok: true, credentials: c }));
    }
  }

  /** Whether `server`'s credentials depend on the caller (its backend sessions must then not be shared between principals). */
  perPrincipal(server: string): boolean {
    return this.upstream[server] !== undefined;
  }

  async forServer(server: string, principal: Principal): Promise<CredentialsOutcome> {
    const u = this.upstream[server];
    if (u === undefined) return SERVER_OWN;
    const fixed = this.statics.get(`${server}\0${principal.id}`);
    if (fixed !== undefined) return fixed;
    const exchange = this.exchanges.get(server);
    const subject = exchange === undefined ? undefined : subjectTokenOf(principal);
    if (exchange !== undefined && subject !== undefined) {
      try {
        const { token } = await exchange.exchange(subject, principal.expiresAt);
        const target = (u.tokenExchange as NonNullable<UpstreamConfig['tokenExchange']>).target;
        return { ok: true, credentials: target.kind === 'header' ? { headers: { [target.name]: `Bearer ${token}` }, env: {} } : { headers: {}, env: { [target.name]: token } } };
      } catch (err) {
        return { ok: false, error: new GatewayError('GW_ERR_UPSTREAM_CREDENTIALS', `credentials for server "${server}" could not be obtained for principal "${principal.id}": ${(err as Error).message}`, { backend: server }) };
      }
    }
    if (u.unlisted === 'server-credentials') return SERVER_OWN;
    const permission = `upstream ${server}`;
    const why = exchange !== undefined ? 'it takes exchanged tokens, and this caller did not authenticate with one' : 'no credentials are configured for this principal';
    return {
      ok: false,
      error: new GatewayError('GW_ERR_PERMISSION_DENIED', `principal "${principal.id}" may not use server "${server}": ${why}; missing permission "${permission}"`, { permission }),
    };
  }
}
