/**
 * The signing keys of an identity provider, fetched from its JWKS URL and
 * kept in memory. Key selection (kid, alg, kty, curve, use) is jose's
 * createLocalJWKSet; this file owns when to fetch:
 *
 * - once at start (warm()), and whenever a verification finds no key yet;
 * - in the background once the set is older than `refreshMs`: requests keep
 *   verifying with the set they have while the refresh runs, so a slow or
 *   briefly unreachable IdP never sits on the data path;
 * - at once on an unknown `kid` (a rotated key), but at most once per
 *   `cooldownMs`: forged tokens with made-up kids cannot make the gateway
 *   hammer the IdP;
 * - a set that could not be refreshed for JWKS_MAX_STALE_MS is no longer
 *   trusted: verification fails with KeysUnavailable (503) rather than
 *   accepting keys the IdP may have revoked long ago.
 *
 * Why not jose's createRemoteJWKSet: it refreshes inline when its cache
 * expires, so every request waits on the IdP at that moment and all of them
 * fail while it is down, and it reads response bodies without a size bound.
 *
 * Symmetric keys (kty "oct") are dropped from every fetched set: a public
 * key set never holds shared secrets, and dropping them is one more wall
 * against HS/RS algorithm confusion (jose also refuses HS* with a JWKS).
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { fetchBounded } from './bounded-fetch.js';
import { JWKS_FETCH_TIMEOUT_MS, JWKS_MAX_STALE_MS, MAX_JWKS_BYTES, MAX_JWKS_KEYS } from './defaults.js';

/** The keys could not be had: the IdP is unreachable and no usable set is held. */
export class KeysUnavailable extends Error {
  constructor(reason: string) {
    super(`the token signing keys are unavailable: ${reason}`);
    this.name = 'KeysUnavailable';
  }
}

export interface JwksSourceOptions {
  readonly refreshMs: number;
  readonly cooldownMs: number;
  readonly fetchTimeoutMs?: number;
  readonly maxStaleMs?: number;
  /** Called after a refresh that dropped keys the previous set had (verified-token caches must forget). */
  readonly onKeysRemoved?: () => void;
  /** Clock, for tests. */
  readonly now?: () => number;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

export class JwksSource {
  private local: LocalSet | undefined;
  private keyIds = new Set<string>();
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private pending: Promise<void> | undefined;
  private lastError = 'not fetched yet';
  /** Fetches made (successful or not), for tests and metrics. */
  fetches = 0;
  private readonly now: () => number;

  constructor(
    readonly url: string,
    private readonly options: JwksSourceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The first fetch; resolves false (and the gate answers 503 until a later fetch works) when it fails. */
  async warm(): Promise<boolean> {
    await this.refresh();
    return this.local !== undefined;
  }

  /** For jose's jwtVerify. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = this.now();
    if (!this.usable(now)) {
      // No set, or one too old to trust: fetch now (at most once per cooldown: the IdP may be down).
      if (now - this.attemptedAt >= this.options.cooldownMs) await this.refresh();
      if (!this.usable(this.now())) throw new KeysUnavailable(this.lastError);
    } else if (now - this.fetchedAt > this.options.refreshMs && now - this.attemptedAt >= this.options.cooldownMs) {
      void this.refresh();
    }
    const local = this.local as LocalSet;
    try {
      return await local(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || this.now() - this.attemptedAt < this.options.cooldownMs) throw err;
      // A kid we have not seen may be a key the IdP just added: look once, then decide.
      await this.refresh();
      return (this.local ?? local)(header, token);
    }
  };

  private usable(now: number): boolean {
    return this.local !== undefined && now - this.fetchedAt <= (this.options.maxStaleMs ?? JWKS_MAX_STALE_MS);
  }

  /** One fetch at a time; concurrent callers share it. Never rejects. */
  refresh(): Promise<void> {
    this.pending ??= this.fetchOnce().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchOnce(): Promise<void> {
    this.attemptedAt = this.now();
    this.fetches++;
    let set: JSONWebKeySet;
    try {
      set = usableKeys(await fetchJson(this.url, this.options.fetchTimeoutMs ?? JWKS_FETCH_TIMEOUT_MS));
    } catch (err) {
      this.lastError = `${this.url}: ${(err as Error).message}`;
      return;
    }
    const local = createLocalJWKSet(set);
    const ids = new Set(set.keys.map((k) => JSON.stringify(k)));
    const removed = [...this.keyIds].some((id) => !ids.has(id));
    this.local = local;
    this.keyIds = ids;
    this.fetchedAt = this.now();
    if (removed) this.options.onKeysRemoved?.();
  }
}

/** Validates the document's shape and keeps the keys usable for signatures. */
function usableKeys(doc: unknown): JSONWebKeySet {
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) throw new Error('not a JWKS (no "keys" list)');
  const keys = (doc as { keys: unknown[] }).keys;
  if (keys.length > MAX_JWKS_KEYS) throw new Error(`holds ${keys.length} keys, more than ${MAX_JWKS_KEYS}`);
  const usable = keys.filter((k): k is JWK => typeof k === 'object' && k !== null && typeof (k as JWK).kty === 'string' && (k as JWK).kty !== 'oct');
  return { keys: usable };
}

async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  const response = await fetchBounded(url, { headers: { accept: 'application/json, application/jwk-set+json' } }, { timeoutMs, maxBytes: MAX_JWKS_BYTES });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  try {
    return JSON.parse(response.text);
  } catch {
    throw new Error('not JSON');
  }
}
