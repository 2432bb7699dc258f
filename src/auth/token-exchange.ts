/**
 * OAuth 2.0 Token Exchange (RFC 8693) client: trades the caller's access
 * token for one the authorization server mints for a backend (audience /
 * resource), so the backend acts for the caller without ever seeing the
 * caller's own token.
 *
 * Exchanged tokens are cached per subject token (by its SHA-256) until
 * shortly before they expire, bounded, and never outlive the subject token;
 * concurrent calls for one caller share one exchange. A failed exchange is
 * not cached: the next call tries again.
 */
import { createHash } from 'node:crypto';
import type { TokenExchangeConfig } from '../config/auth-model.js';
import { fetchBounded } from './bounded-fetch.js';
import {
  MAX_TOKEN_RESPONSE_BYTES,
  TOKEN_EXCHANGE_CACHE_MAX_ENTRIES,
  TOKEN_EXCHANGE_DEFAULT_TTL_MS,
  TOKEN_EXCHANGE_RENEW_BEFORE_MS,
  TOKEN_EXCHANGE_TIMEOUT_MS,
} from './defaults.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface ExchangedToken {
  readonly token: string;
  /** ms since epoch. */
  readonly expiresAt: number;
}

export class TokenExchangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenExchangeError';
  }
}

export class TokenExchangeClient {
  private readonly cache = new Map<string, ExchangedToken>();
  private readonly inflight = new Map<string, Promise<ExchangedToken>>();
  /** Requests sent to the token endpoint, for tests and metrics. */
  requests = 0;

  constructor(
    private readonly config: TokenExchangeConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token for the backend acting for the holder of `subjectToken`, which expires at `subjectExpiresAt`. */
  exchange(subjectToken: string, subjectExpiresAt: number | undefined): Promise<ExchangedToken> {
    const id = createHash('sha256').update(subjectToken).digest('base64');
    const hit = this.cache.get(id);
    if (hit !== undefined && hit.expiresAt - TOKEN_EXCHANGE_RENEW_BEFORE_MS > this.now()) return Promise.resolve(hit);
    let pending = this.inflight.get(id);
    if (pending === undefined) {
      pending = this.request(subjectToken, subjectExpiresAt)
        .then((t) => {
          this.remember(id, t);
          return t;
        })
        .finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  private async request(subjectToken: string, subjectExpiresAt: number | undefined): Promise<ExchangedToken> {
    const c = this.config;
    const form = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, requested_token_type: ACCESS_TOKEN_TYPE });
    if (c.audience !== undefined) form.set('audience', c.audience);
    if (c.resource !== undefined) form.set('resource', c.resource);
    if (c.scope !== undefined) form.set('scope', c.scope);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    // RFC 6749 §2.3.1: client credentials in HTTP Basic, each part form-url-encoded.
    if (c.clientSecret !== undefined) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;
    else form.set('client_id', c.clientId);
    this.requests++;
    let response;
    try {
      response = await fetchBounded(c.tokenEndpoint, { method: 'POST', headers, body: form.toString() }, { timeoutMs: TOKEN_EXCHANGE_TIMEOUT_MS, maxBytes: MAX_TOKEN_RESPONSE_BYTES });
    } catch (err) {
      throw new TokenExchangeError(`the token endpoint could not be reached: ${(err as Error).message}`);
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(response.text) as Record<string, unknown>;
    } catch {
      // Reported below by status or shape.
    }
    if (response.status !== 200) {
      const error = typeof body.error === 'string' ? ` ${body.error.slice(0, 100)}` : '';
      throw new TokenExchangeError(`the token endpoint answered HTTP ${response.status}${error}`);
    }
    const token = body.access_token;
    if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) throw new TokenExchangeError('the token endpoint answered without a usable access_token');
    const type = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : 'bearer';
    if (type !== 'bearer' && type !== 'n_a') throw new TokenExchangeError(`the token endpoint issued a ${type} token, not a bearer token`);
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : TOKEN_EXCHANGE_DEFAULT_TTL_MS;
    const expiresAt = Math.min(this.now() + lifetime, subjectExpiresAt ?? Infinity);
    return { token, expiresAt };
  }

  private remember(id: string, t: ExchangedToken): void {
    if (this.cache.size >= TOKEN_EXCHANGE_CACHE_MAX_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(id, t);
  }
}
