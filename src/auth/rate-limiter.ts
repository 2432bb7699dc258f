/**
 * Rate limits (auth.rateLimits): token buckets in the shared store, so a
 * limit holds across every worker and node. A call takes one token from
 * each bucket of each rule that matches it; one refusal refuses the call,
 * and the tokens it took from the other buckets are given back.
 *
 * Cost on the data path: nothing without rules. With rules, at most one
 * store round trip per call (every bucket's command sent at once, each
 * atomic on one key), and usually none for busy principals: a worker leases
 * tokens from a large shared bucket in batches (RATE_LEASE_PARTS) and spends
 * them locally. Leased tokens were taken from the shared bucket first, so
 * leasing never admits more than the limit; it may keep up to one batch per
 * worker from the others for RATE_LEASE_MS. Small buckets (the contract's 20
 * per 10 s) are never leased: every call asks the store.
 *
 * When the store cannot be reached the limiter does not go unlimited: each
 * process keeps local buckets holding `localShare` of each limit (the front
 * door passes 1/workers-on-this-node), so a node admits at most what one
 * shared bucket would (burst + limit per window, or one call per worker when
 * that is more), and a cluster of N nodes at most N times that. The switch
 * is reported through onDegraded; the shared buckets take over again, as
 * they were left, at the first check after the store is back.
 */
import { hash } from 'node:crypto';
import type { RateLimitConfig, RateLimitedMethod } from '../config/auth-model.js';
import { GatewayError } from '../mcp/errors.js';
import type { StateStore, TokenBucketResult, TokenBucketSpec } from '../state/store.js';
import { takeFromBucket, fullAfterMs, type BucketState } from '../state/token-bucket.js';
import { MAX_BUCKET_IDS_CACHED, MAX_LOCAL_BUCKETS, RATE_LEASE_MS, RATE_LEASE_PARTS } from './defaults.js';
import { compileGlobs, matches } from './glob.js';
import type { Principal } from './principal.js';

export interface RateCall {
  readonly method: RateLimitedMethod;
  /** tools/call: the tool's name as clients see it. */
  readonly tool?: string | undefined;
}

export type RateOutcome = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number; readonly limit: string; readonly error: GatewayError };

export interface RateLimiterOptions {
  /** Share of each limit a process enforces alone while the store is down (1/workers on the node). Default 1. */
  readonly localShare?: number;
  /** Called when the limiter starts (true) and stops (false) using local buckets. */
  readonly onDegraded?: (degraded: boolean, reason: string) => void;
}

interface Rule {
  readonly config: RateLimitConfig;
  readonly spec: TokenBucketSpec;
  /** The fallback bucket's shape: this process's share. */
  readonly local: TokenBucketSpec;
  /** Tokens asked of the store at once (1: no leasing). */
  readonly lease: number;
  readonly tools: RegExp | undefined;
  readonly roles: ReadonlySet<string> | undefined;
  readonly principals: ReadonlySet<string> | undefined;
}

interface Bucket {
  readonly rule: Rule;
  readonly key: string;
}

interface Lease {
  tokens: number;
  readonly expires: number;
}

/** Where a call's token came from, so a refusal can put it back there. */
type Source = 'lease' | 'store' | 'local';

const ADMITTED: RateOutcome = Object.freeze({ ok: true });
const ADMITTED_NOW: Promise<RateOutcome> = Promise.resolve(ADMITTED);
const TAKEN_ONE: TokenBucketResult = Object.freeze({ allowed: true, taken: 1, remaining: 0, retryAfterMs: 0 });

export class RateLimiter {
  private readonly rules: readonly Rule[];
  private readonly localBuckets = new Map<string, BucketState>();
  private readonly leases = new Map<string, Lease>();
  private readonly bucketIds = new Map<string, string>();
  /** Lease requests in flight, by bucket: concurrent calls wait for one rather than each asking the store. */
  private readonly leaseFetches = new Map<string, Promise<TokenBucketResult>>();
  private degradedSince: number | undefined;
  /** Checks answered from local fallback buckets, for metrics. */
  localChecks = 0;
  /** Commands sent to the store (one bucket each; a call's commands travel together), for metrics and tests. */
  storeCommands = 0;

  constructor(
    rules: readonly RateLimitConfig[],
    private readonly store: StateStore,
    private readonly options: RateLimiterOptions = {},
  ) {
    const share = Math.min(1, Math.max(0, options.localShare ?? 1));
    this.rules = rules.map((config) => {
      const spec = { capacity: config.burst, refillPerMs: config.limit / config.windowMs };
      const batch = Math.floor((spec.capacity * share) / RATE_LEASE_PARTS);
      return {
        config,
        spec,
        local: { capacity: Math.max(1, spec.capacity * share), refillPerMs: spec.refillPerMs * share },
        lease: batch >= 2 ? batch : 1,
        tools: config.tools === undefined ? undefined : compileGlobs(config.tools, 'name'),
        roles: config.roles === undefined ? undefined : new Set(config.roles),
        principals: config.principals === undefined ? undefined : new Set(config.principals),
      };
    });
  }

  get degraded(): boolean {
    return this.degradedSince !== undefined;
  }

  check(principal: Principal, call: RateCall): Promise<RateOutcome> {
    if (this.rules.length === 0) return ADMITTED_NOW;
    const buckets = this.bucketsFor(principal, call);
    if (buckets.length === 0) return ADMITTED_NOW;
    const now = Date.now();
    // The common case for a busy principal: every bucket has a leased token here.
    if (!this.degraded && buckets.every((b) => this.leaseHas(b.key, now))) {
      for (const b of buckets) (this.leases.get(b.key) as Lease).tokens--;
      return ADMITTED_NOW;
    }
    return this.take(buckets, now);
  }

  private async take(buckets: readonly Bucket[], now: number): Promise<RateOutcome> {
    const results: TokenBucketResult[] = new Array(buckets.length);
    const sources: Source[] = new Array(buckets.length);
    const remote: number[] = [];
    buckets.forEach((b, i) => {
      if (!this.degraded && this.leaseHas(b.key, now)) {
        (this.leases.get(b.key) as Lease).tokens--;
        [results[i], sources[i]] = [TAKEN_ONE, 'lease'];
      } else remote.push(i);
    });
    if (remote.length > 0 && this.store.healthy) {
      try {
        const answers = await Promise.all(remote.map((i) => this.fromStore(buckets[i] as Bucket, now)));
        remote.forEach((i, j) => ([results[i], sources[i]] = [answers[j] as TokenBucketResult, 'store']));
        this.setDegraded(false, 'the shared store is back');
      } catch (err) {
        this.setDegraded(true, (err as Error).message);
      }
    } else if (remote.length > 0) {
      this.setDegraded(true, 'the shared store is unreachable');
    }
    for (const i of remote) {
      if (sources[i] === undefined) [results[i], sources[i]] = [this.takeLocal(buckets[i] as Bucket, 1, now), 'local'];
    }
    const refused = results.findIndex((r) => !r.allowed);
    if (refused < 0) return ADMITTED;
    this.giveBack(buckets, results, sources, now);
    let retryAfterMs = 0;
    for (const r of results) if (!r.allowed) retryAfterMs = Math.max(retryAfterMs, r.retryAfterMs);
    const rule = (buckets[refused] as Bucket).rule.config;
    const message = `rate limit "${rule.name}" (${rule.limit} per ${rule.windowMs / 1000} s${rule.per.length > 0 ? ` per ${rule.per.join(' and ')}` : ''}) reached; retry in ${retryAfterMs} ms`;
    return { ok: false, retryAfterMs, limit: rule.name, error: new GatewayError('GW_ERR_RATE_LIMITED', message, { retryAfterMs, limit: rule.name }) };
  }

  /** One token for this call; for a large bucket through a lease, one request at a time per bucket. */
  private async fromStore(b: Bucket, now: number): Promise<TokenBucketResult> {
    if (b.rule.lease === 1) {
      this.storeCommands++;
      return this.store.takeTokens(b.key, b.rule.spec, 1, 1);
    }
    for (;;) {
      let fetch = this.leaseFetches.get(b.key);
      if (fetch === undefined) {
        this.storeCommands++;
        fetch = this.store
          .takeTokens(b.key, b.rule.spec, b.rule.lease, 1)
          .then((r) => {
            if (r.taken > 0) {
              this.returnExpiredLease(b, now);
              this.remember(this.leases, b.key, { tokens: r.taken, expires: now + RATE_LEASE_MS });
            }
            return r;
          })
          .finally(() => this.leaseFetches.delete(b.key));
        this.leaseFetches.set(b.key, fetch);
      }
      const r = await fetch;
      // The bucket was empty when asked: so it is for everyone who waited on that answer.
      if (!r.allowed) return r;
      const lease = this.leases.get(b.key);
      if (lease !== undefined && lease.tokens >= 1) {
        lease.tokens--;
        return TAKEN_ONE;
      }
      // Others spent the batch first: ask again (a new request, or one someone else just started).
      now = Date.now();
    }
  }

  private leaseHas(key: string, now: number): boolean {
    const lease = this.leases.get(key);
    return lease !== undefined && lease.tokens >= 1 && lease.expires > now;
  }

  /** Unspent tokens of an expired lease go back to the shared bucket, off the request's path. */
  private returnExpiredLease(b: Bucket, now: number): void {
    const lease = this.leases.get(b.key);
    if (lease === undefined || lease.expires > now || lease.tokens < 1) return;
    void this.store.takeTokens(b.key, b.rule.spec, -lease.tokens).catch(() => undefined);
    lease.tokens = 0;
  }

  /** Tokens taken for a call another bucket refused go back where they came from. */
  private giveBack(buckets: readonly Bucket[], results: readonly TokenBucketResult[], sources: readonly Source[], now: number): void {
    buckets.forEach((b, i) => {
      if (!(results[i] as TokenBucketResult).allowed) return;
      const lease = this.leases.get(b.key);
      if (sources[i] === 'local') this.takeLocal(b, -1, now);
      else if (lease !== undefined && lease.expires > now) lease.tokens++;
      else void this.store.takeTokens(b.key, b.rule.spec, -1).catch(() => undefined);
    });
  }

  private takeLocal(b: Bucket, want: number, now: number): TokenBucketResult {
    if (want > 0) this.localChecks++;
    const held = this.localBuckets.get(b.key);
    const { state, result } = takeFromBucket(held !== undefined && now - held.at <= fullAfterMs(b.rule.local) ? held : undefined, b.rule.local, want, Math.min(want, 1), now);
    this.remember(this.localBuckets, b.key, state);
    return result;
  }

  /** Re-inserted at the end, so the Map's first entry is the least recently used; bounded by MAX_LOCAL_BUCKETS. */
  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    if (map.size >= MAX_LOCAL_BUCKETS) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(key, value);
  }

  private setDegraded(degraded: boolean, reason: string): void {
    if (degraded === this.degraded) return;
    this.degradedSince = degraded ? Date.now() : undefined;
    // Local buckets start full each time: what they admitted while degraded is forgotten.
    if (!degraded) this.localBuckets.clear();
    this.options.onDegraded?.(degraded, reason);
  }

  private bucketsFor(principal: Principal, call: RateCall): Bucket[] {
    const out: Bucket[] = [];
    for (const rule of this.rules) {
      const c = rule.config;
      if (!c.methods.includes(call.method)) continue;
      if (rule.tools !== undefined && (call.method !== 'tools/call' || call.tool === undefined || !matches(rule.tools, call.tool))) continue;
      const heldRoles = rule.roles === undefined ? principal.roles : principal.roles.filter((r) => rule.roles?.has(r));
      const named = rule.principals?.has(principal.id) ?? false;
      if ((rule.roles !== undefined || rule.principals !== undefined) && heldRoles.length === 0 && !named) continue;
      // One bucket per combination of the rule's dimensions ("role" fans out over the roles that
      // matched; principals without any share the bucket of the empty role).
      let parts: string[][] = [[c.name]];
      for (const dim of c.per) {
        const values = dim === 'principal' ? [principal.id] : dim === 'tool' ? [call.tool ?? call.method] : heldRoles.length > 0 ? [...heldRoles] : [''];
        parts = parts.flatMap((p) => values.map((v) => [...p, `${dim}=${v}`]));
      }
      for (const p of parts) out.push({ rule, key: this.bucketId(p) });
    }
    return out;
  }

  /** A bounded, brace-free id for a bucket whatever the names hold (128 bits of SHA-256), memoised: hashing costs more than the rest of a check. */
  private bucketId(parts: readonly string[]): string {
    const raw = JSON.stringify(parts);
    let id = this.bucketIds.get(raw);
    if (id === undefined) {
      if (this.bucketIds.size >= MAX_BUCKET_IDS_CACHED) this.bucketIds.clear();
      id = hash('sha256', raw, 'base64url').slice(0, 22);
      this.bucketIds.set(raw, id);
    }
    return id;
  }
}
