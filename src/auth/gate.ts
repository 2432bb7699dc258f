/**
 * The one gate at the edge: request credentials → a Principal, or a refusal
 * carrying the HTTP status, the registry error and the WWW-Authenticate
 * value. Called by the HTTP front door before any session is touched, on
 * every transport (Streamable HTTP, legacy SSE, admin API).
 *
 *   Authorization: Bearer <JWT>        → JwtVerifier (cached per token)
 *   Authorization: Bearer <API key>    → ApiKeyVerifier
 *   X-API-Key: <API key>               → ApiKeyVerifier
 *   nothing                            → "anonymous" if allowUnauthenticated, else 401
 *
 * Credentials that are present but wrong are always refused, even when
 * anonymous access is allowed: a client with an expired token must learn
 * so, not silently lose its roles.
 */
import type { AuthConfig } from '../config/auth-model.js';
import { GatewayError } from '../mcp/errors.js';
import { ApiKeyVerifier } from './api-keys.js';
import { MAX_CREDENTIAL_CHARS } from './defaults.js';
import { JwtVerifier } from './jwt-verifier.js';
import { bearerChallenge, protectedResourceMetadata, type ChallengeParams, type ProtectedResourceMetadata } from './oauth-metadata.js';
import { ANONYMOUS_ID, makePrincipal, type Principal } from './principal.js';
import { rememberSubjectToken } from './subject-tokens.js';

/** The request headers the gate reads (`authorization`, `x-api-key`); an empty string counts as absent (uWS's getHeader for a missing header). */
export interface CredentialHeaders {
  readonly authorization?: string | undefined;
  readonly apiKey?: string | undefined;
}

export interface GateRefusal {
  readonly ok: false;
  /** 401 (no or bad credentials), 403 (insufficient scope), 503 (keys unavailable). */
  readonly status: 401 | 403 | 503;
  readonly error: GatewayError;
  /** Send as WWW-Authenticate when defined. */
  readonly wwwAuthenticate: string | undefined;
}

export type GateOutcome = { readonly ok: true; readonly principal: Principal } | GateRefusal;

export const REALM = 'only1mcp';
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export interface AuthGateOptions {
  /** Keep each JWT caller's token (outside the Principal) for RFC 8693 token exchange. */
  readonly keepSubjectTokens?: boolean;
  /** Clock for JWT checks, for tests. */
  readonly now?: () => number;
}

export class AuthGate {
  readonly metadata: ProtectedResourceMetadata | undefined;
  readonly jwt: JwtVerifier | undefined;
  private readonly apiKeys: ApiKeyVerifier;
  private readonly anonymous: GateOutcome | undefined;
  private readonly challenge: ChallengeParams;
  private readonly requiredScopes: readonly string[];
  private readonly noCredentials: GateRefusal;

  constructor(
    private readonly auth: AuthConfig,
    private readonly options: AuthGateOptions = {},
  ) {
    this.apiKeys = new ApiKeyVerifier(auth.apiKeys, auth.defaultRoles);
    this.jwt = auth.jwt === undefined ? undefined : new JwtVerifier(auth.jwt, { defaultRoles: auth.defaultRoles, now: options.now });
    this.metadata = auth.oauth === undefined ? undefined : protectedResourceMetadata(auth.oauth);
    this.requiredScopes = auth.oauth?.requiredScopes ?? [];
    this.challenge =
      this.metadata === undefined
        ? { realm: REALM }
        : { resourceMetadata: this.metadata.url, scope: this.requiredScopes.length > 0 ? this.requiredScopes.join(' ') : undefined };
    if (!auth.enabled) this.anonymous = { ok: true, principal: makePrincipal(ANONYMOUS_ID, [], 'anonymous') };
    else if (auth.allowUnauthenticated) this.anonymous = { ok: true, principal: makePrincipal(ANONYMOUS_ID, auth.anonymousRoles, 'anonymous') };
    // RFC 6750 §3.1: a request without credentials gets the challenge without an error code.
    this.noCredentials = this.refuse(401, 'GW_ERR_UNAUTHENTICATED', 'authentication required: send Authorization: Bearer <token>', undefined);
  }

  /** Fetches the JWKS before the first request needs it. False: it failed (tokens get 503 until a fetch works). */
  warm(): Promise<boolean> {
    return this.jwt?.warm() ?? Promise.resolve(true);
  }

  async authenticate(headers: CredentialHeaders): Promise<GateOutcome> {
    if (!this.auth.enabled) return this.anonymous as GateOutcome;
    const authorization = headers.authorization === '' ? undefined : headers.authorization;
    const apiKey = headers.apiKey === '' ? undefined : headers.apiKey;
    if (authorization === undefined && apiKey === undefined) return this.anonymous ?? this.noCredentials;
    if (authorization !== undefined && apiKey !== undefined) {
      return this.invalid('invalid_request', 'send one credential: Authorization or X-API-Key, not both');
    }
    const presented = (authorization ?? apiKey) as string;
    if (presented.length > MAX_CREDENTIAL_CHARS) return this.invalid('invalid_token', `the credential is longer than ${MAX_CREDENTIAL_CHARS} characters`);
    if (apiKey !== undefined) return this.byApiKey(apiKey.trim());
    const bearer = BEARER.exec(presented);
    if (bearer === null) return this.invalid('invalid_request', 'use Authorization: Bearer <token>');
    const token = bearer[1] as string;
    if (this.jwt === undefined || !looksLikeJwt(token)) return this.byApiKey(token);

    const outcome = await this.jwt.verify(token);
    if (outcome.ok) {
      if (this.options.keepSubjectTokens === true) rememberSubjectToken(outcome.principal, token);
      return this.checkScopes(outcome.principal);
    }
    if (outcome.kind === 'unavailable') {
      return { ok: false, status: 503, error: new GatewayError('GW_ERR_AUTH_UNAVAILABLE', 'tokens cannot be verified now: the signing keys could not be fetched; retry later'), wwwAuthenticate: undefined };
    }
    // An operator's own API key may contain dots; it still must match a stored hash.
    const byKey = this.apiKeys.size > 0 ? this.apiKeys.verify(token) : undefined;
    return byKey !== undefined ? { ok: true, principal: byKey } : this.invalid('invalid_token', outcome.reason);
  }

  private byApiKey(key: string): GateOutcome {
    if (this.apiKeys.size === 0) return this.invalid('invalid_token', this.jwt === undefined ? 'the credential is not valid' : 'the token is not a JWT');
    const principal = this.apiKeys.verify(key);
    return principal === undefined ? this.invalid('invalid_token', 'unknown API key') : { ok: true, principal };
  }

  private checkScopes(principal: Principal): GateOutcome {
    const missing = this.requiredScopes.filter((s) => !principal.scopes.includes(s));
    if (missing.length === 0) return { ok: true, principal };
    const message = `the token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(' ')}`;
    return this.refuse(403, 'GW_ERR_FORBIDDEN', message, 'insufficient_scope', message);
  }

  private invalid(error: 'invalid_request' | 'invalid_token', description: string): GateRefusal {
    return this.refuse(401, 'GW_ERR_UNAUTHENTICATED', `authentication failed: ${description}`, error, description);
  }

  private refuse(status: 401 | 403, name: 'GW_ERR_UNAUTHENTICATED' | 'GW_ERR_FORBIDDEN', message: string, error: ChallengeParams['error'], description?: string): GateRefusal {
    return {
      ok: false,
      status,
      error: new GatewayError(name, message),
      wwwAuthenticate: bearerChallenge({ ...this.challenge, error, errorDescription: description }),
    };
  }
}

/** Three base64url segments: header.payload.signature. */
function looksLikeJwt(token: string): boolean {
  const first = token.indexOf('.');
  return first > 0 && token.indexOf('.', first + 1) > first + 1 && token.indexOf('.', token.indexOf('.', first + 1) + 1) === -1;
}
