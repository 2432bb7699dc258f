/**
 * Named limits and defaults of the identity layer, each with its unit in the
 * name. Everything a caller can make the gateway hold (tokens, cache entries,
 * buckets, audit lines) is bounded here. This file imports nothing, so the
 * config schema can quote these values in its descriptions.
 */

// --- Credentials on the wire -------------------------------------------------

/** A bearer token or API key longer than this is refused before any parsing (401). */
export const MAX_CREDENTIAL_CHARS = 16 * 1024;
/** A principal id (the `sub` claim, an API key's principal) longer than this is refused. */
export const MAX_PRINCIPAL_CHARS = 256;
/** Roles read from one token beyond this many are refused (401): a token is not a database. */
export const MAX_ROLES_PER_PRINCIPAL = 64;
/** A role name read from a token longer than this is refused. */
export const MAX_ROLE_NAME_CHARS = 128;

// --- API keys ------------------------------------------------------------------

/** Random bytes in a key made by `only1mcp auth hash-key` (256 bits). */
export const API_KEY_RANDOM_BYTES = 32;
/** What every generated key starts with, so secret scanners and people recognise one. */
export const API_KEY_PREFIX = 'o1m_';
/** A key brought by the operator (`hash-key --stdin`) must be at least this long: the hash is fast, so entropy must come from the key. */
export const MIN_API_KEY_CHARS = 32;
/**
 * More API keys than this in one config is refused: every API-key request
 * compares its hash with all of them (constant time, no early exit). Beyond
 * a few hundred keys, use JWTs from an identity provider.
 */
export const MAX_API_KEYS = 1_000;

// --- JWT -------------------------------------------------------------------------

/** Default tolerance for exp/nbf/iat against the gateway's clock. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
/** Tolerance above this would keep expired tokens alive too long. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** Verified tokens remembered until they expire; the oldest go first past this many. */
export const VERIFIED_TOKEN_CACHE_MAX_ENTRIES = 10_000;
/** ...or past this many characters of tokens held as cache keys (~1 KB a token: 16k typical tokens). */
export const VERIFIED_TOKEN_CACHE_MAX_CHARS = 16 * 1024 * 1024;
/** A verified token is re-verified after this long even if it expires later (bounds what a removed key still admits). */
export const VERIFIED_TOKEN_CACHE_MAX_MS = 15 * 60_000;
/** An HS* secret shorter than this is refused (RFC 7518 §3.2: at least the hash size). */
export const MIN_HMAC_SECRET_BYTES = 32;

// --- JWKS ------------------------------------------------------------------------

/** How long a fetched key set is used before it is refreshed (in the background). */
export const DEFAULT_JWKS_REFRESH_MS = 10 * 60_000;
/** An unknown `kid` refetches the set at most this often (a flood of forged kids costs the IdP nothing). */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
/** One JWKS fetch gives up after this long. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** A JWKS document larger than this is refused. */
export const MAX_JWKS_BYTES = 512 * 1024;
/** Keys in one JWKS beyond this many are refused. */
export const MAX_JWKS_KEYS = 100;
/** A key set that could not be refreshed is still used for this long after its last successful fetch, then tokens are refused (503). */
export const JWKS_MAX_STALE_MS = 60 * 60_000;

// --- Authorization -----------------------------------------------------------------

/** Bucket ids remembered per (rule, principal, role, tool); past this the memo starts over. */
export const MAX_BUCKET_IDS_CACHED = 50_000;
/** Compiled grant unions kept per distinct role set; past this the memo starts over. */
export const MAX_ROLE_SETS_CACHED = 1_024;

// --- Rate limits ---------------------------------------------------------------------

/** Local fallback buckets held per process while the shared store is unreachable; past this the oldest are dropped (refilled). */
export const MAX_LOCAL_BUCKETS = 50_000;
/**
 * A worker takes tokens from a shared bucket in batches ("leases") of at
 * most 1/RATE_LEASE_PARTS of its share of the bucket, so a busy principal
 * costs one Redis round trip per batch rather than per call. Leased tokens
 * are taken from the shared bucket before they are spent, so leasing never
 * admits more than the limit; it can only hold up to a batch per worker
 * away from the other workers, for at most RATE_LEASE_MS. Buckets smaller
 * than 2 × RATE_LEASE_PARTS are never leased: every call asks the store.
 */
export const RATE_LEASE_PARTS = 16;
/** Unspent leased tokens go back to the shared bucket after this long. */
export const RATE_LEASE_MS = 1_000;
/** Longest rate-limit window accepted in config. */
export const MAX_RATE_WINDOW_SECONDS = 86_400;

// --- Audit -----------------------------------------------------------------------------

/** Arguments in an audit line are cut past this many bytes of JSON (a marker says so). */
export const DEFAULT_AUDIT_MAX_ARGUMENT_BYTES = 4_096;
/** Audit bytes buffered in memory while the destination is slow; past this lines are dropped and counted, never blocking calls. */
export const AUDIT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Keys redacted from audited arguments by default (globs, case-insensitive, at any depth). */
export const DEFAULT_AUDIT_REDACT_KEYS: readonly string[] = ['*password*', '*secret*', '*token*', '*authorization*', '*api_key*', '*apikey*', '*credential*'];
/** Nesting depth of audited arguments past which values are replaced by a marker. */
export const MAX_AUDIT_ARGUMENT_DEPTH = 32;

// --- Upstream credentials ------------------------------------------------------------------

/** Exchanged tokens kept per (server, caller) until they expire. */
export const TOKEN_EXCHANGE_CACHE_MAX_ENTRIES = 10_000;
/** An exchanged token is renewed this long before its expiry. */
export const TOKEN_EXCHANGE_RENEW_BEFORE_MS = 30_000;
/** Lifetime assumed for an exchanged token whose response has no expires_in. */
export const TOKEN_EXCHANGE_DEFAULT_TTL_MS = 5 * 60_000;
/** One token-exchange request gives up after this long. */
export const TOKEN_EXCHANGE_TIMEOUT_MS = 10_000;
/** A token endpoint response larger than this is refused. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
