/**
 * The identity layer built from one config generation, as the worker holds
 * it: the gate at the edge, the authorizer for every list and call, the rate
 * limiter, the audit log and the upstream credential resolver. A reload
 * builds a new Identity and closes the old one; nothing here is shared
 * between generations except the store the limiter writes to.
 */
import type { AuthConfig } from '../config/auth-model.js';
import type { StateStore } from '../state/store.js';
import { AuditLog } from './audit-log.js';
import { Authorizer } from './authorizer.js';
import { AuthGate } from './gate.js';
import { RateLimiter } from './rate-limiter.js';
import { UpstreamCredentialResolver } from './upstream-credentials.js';

export interface IdentityDeps {
  readonly store: StateStore;
  /** Share of each rate limit this process enforces alone while the store is down: 1 / workers on this node. */
  readonly localShare: number;
  /** Operational messages for the gateway's log (JWKS unreachable, audit lines dropped, limits degraded). */
  readonly warn: (message: string) => void;
}

export interface Identity {
  readonly gate: AuthGate;
  readonly authorizer: Authorizer;
  readonly limiter: RateLimiter;
  /** undefined without an audit section. */
  readonly audit: AuditLog | undefined;
  readonly credentials: UpstreamCredentialResolver;
  /** Fetches the JWKS before traffic arrives; false when that failed (tokens get 503 until a fetch works). */
  warm(): Promise<boolean>;
  close(): Promise<void>;
}

export function createIdentity(auth: AuthConfig, deps: IdentityDeps): Identity {
  const tokenExchange = Object.values(auth.upstream).some((u) => u.tokenExchange !== undefined);
  const gate = new AuthGate(auth, { keepSubjectTokens: tokenExchange });
  const audit = auth.audit === undefined ? undefined : new AuditLog(auth.audit, { onProblem: deps.warn });
  const limiter = new RateLimiter(auth.rateLimits, deps.store, {
    localShare: deps.localShare,
    onDegraded: (degraded, reason) =>
      deps.warn(degraded ? `rate limits fall back to local buckets (${reason}): each worker enforces its share` : 'rate limits are shared again'),
  });
  return {
    gate,
    authorizer: new Authorizer(auth),
    limiter,
    audit,
    credentials: new UpstreamCredentialResolver(auth),
    async warm() {
      const ok = await gate.warm();
      if (!ok) deps.warn(`the JWKS at ${gate.jwt?.jwks?.url ?? '?'} could not be fetched: tokens are refused with 503 until it can`);
      return ok;
    },
    async close() {
      await audit?.close();
    },
  };
}
