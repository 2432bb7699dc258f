/**
 * API keys: made by `only1mcp auth hash-key`, stored in config only as
 * "sha256:<base64url>" hashes, presented as `Authorization: Bearer <key>`
 * or `X-API-Key: <key>`.
 *
 * Why plain SHA-256 and not a password hash (scrypt, argon2): a key made
 * here is 256 random bits, so nobody can search for it from its hash
 * however fast the hash is; a slow hash protects only guessable secrets, and
 * would cost tens of milliseconds on every request (or a cache of
 * plaintext keys, which defeats storing hashes). Keys brought by the
 * operator must be at least MIN_API_KEY_CHARS long for the same reason.
 *
 * The presented key's hash is compared with every stored hash by
 * timingSafeEqual, and the loop never stops early, so how long a refusal
 * takes says nothing about how close a guess was or which entry matched.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from '../config/auth-model.js';
import { API_KEY_PREFIX, API_KEY_RANDOM_BYTES, MIN_API_KEY_CHARS } from './defaults.js';
import { makePrincipal, type Principal } from './principal.js';

const HASH_PREFIX = 'sha256:';

/** The stored form of a key. */
export function hashApiKey(key: string): string {
  return HASH_PREFIX + hash('sha256', key, 'base64url');
}

/** A new key: the prefix and 256 random bits, base64url. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(API_KEY_RANDOM_BYTES).toString('base64url');
}

/** Why an operator's own key cannot be stored, or undefined when it can. */
export function weakKeyReason(key: string): string | undefined {
  if (key.length < MIN_API_KEY_CHARS) return `a key must be at least ${MIN_API_KEY_CHARS} characters (it is stored as a fast hash, so its strength is its length)`;
  if (/\s/.test(key)) return 'a key must not contain whitespace';
  return undefined;
}

interface StoredKey {
  readonly digest: Buffer;
  readonly principal: Principal;
}

export class ApiKeyVerifier {
  private readonly keys: readonly StoredKey[];

  constructor(entries: readonly ApiKeyConfig[], defaultRoles: readonly string[]) {
    this.keys = entries.map((e) => ({
      digest: Buffer.from(e.hash.slice(HASH_PREFIX.length), 'base64url'),
      // One Principal per entry, made once: every request with this key shares it.
      principal: makePrincipal(e.principal, [...e.roles, ...defaultRoles], 'api-key'),
    }));
  }

  get size(): number {
    return this.keys.length;
  }

  /** The key's principal, or undefined for a key that is not configured. */
  verify(key: string): Principal | undefined {
    const digest = hash('sha256', key, 'buffer');
    let found: Principal | undefined;
    for (const k of this.keys) {
      // Every entry is compared, match or not.
      if (timingSafeEqual(digest, k.digest) && found === undefined) found = k.principal;
    }
    return found;
  }
}
