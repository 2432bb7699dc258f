/**
 * Rate limits (auth.rateLimits): token buckets in the shared store, so a
 * limit holds across every worker and node. A call takes one token from
 * each bucket of each rule that matches it; one refusal refuses the call.
 *
 * Cost on the data path: nothing without rules; with rules, one store call
 * per bucket, all sent together (one Redis round trip), each atomic on one
 * key. A call admitted by some buckets and refused by another gives the
 * tokens it took back (in the background), so a refused call costs nothing.
 *
 * When the store cannot be reached, the limiter does not go unlimited: each
 * process keeps local buckets holding `localShare` of each limit (the front
 * door passes 1/workers-on-this-node), so a node admits at most what one
 * shared bucket would (burst + limit per window, or one call per worker when
 * that is more), and a cluster of N nodes at most N times that. The switch
 * is reported once through onDegraded; the shared buckets take over again,
 * as they were left, at the first check after the store is back.
 */
import { createHash } from 'node:crypto';
import type { RateLimitConfig, RateLimitedMethod } from '../config/auth-model.js';
import { GatewayError } from '../mcp/errors.js';
import type { StateStore, TokenBucketResult, TokenBucketSpec } from '../state/store.js';
import { takeFromBucket, fullAfterMs, type BucketState } from '../state/token-bucket.js';
import { MAX_LOCAL_BUCKETS } from './defaults.js';
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
  readonly local: TokenBucketSpec;
  readonly tools: RegExp | undefined;
  readonly roles: ReadonlySet<string> | undefined;
  readonly principals: ReadonlySet<string> | undefined;
}

interface Bucket {
  readonly rule: Rule;
  readonly key: string;
}

const ADMITTED: RateOutcome = Object.freeze({ ok: true });

export class RateLimiter {
  private readonly rules: readonly Rule[];
  private readonly localBuckets = new Map<string, BucketState>();
  private degradedSince: number | undefined;
  /** Checks answered from local buckets, for metrics. */
  localChecks = 0;

  constructor(
    rules: readonly RateLimitConfig[],
    private readonly store: StateStore,
    private readonly options: RateLimiterOptions = {},
  ) {
    const share = Math.min(1, Math.max(0, options.localShare ?? 1));
    this.rules = rules.map((config) => {
      const spec = { capacity: config.burst, refillPerMs: config.limit / config.windowMs };
      return {
        config,
        spec,
        local: { capacity: Math.max(1, spec.capacity * share), refillPerMs: spec.refillPerMs * share },
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
    if (this.rules.length === 0) return Promise.resolve(ADMITTED);
    const buckets = this.bucketsFor(principal, call);
    if (buckets.length === 0) return Promise.resolve(ADMITTED);
    return this.take(buckets);
  }

  private async take(buckets: readonly Bucket[]): Promise<RateOutcome> {
    let results: readonly TokenBucketResult[];
    if (this.store.healthy) {
      try {
        results = await Promise.all(buckets.map((b) => this.store.takeTokens(b.key, b.rule.spec, 1)));
        this.setDegraded(false, 'the shared store is back');
      } catch (err) {
        this.setDegraded(true, (err as Error).message);
        results = this.takeLocal(buckets, 1);
      }
    } else {
      this.setDegraded(true, 'the shared store is unreachable');
      results = this.takeLocal(buckets, 1);
    }
    const refused = results.findIndex((r) => !r.allowed);
    if (refused < 0) return ADMITTED;
    this.giveBack(buckets, results);
    let retryAfterMs = 0;
    results.forEach((r) => {
      if (!r.allowed) retryAfterMs = Math.max(retryAfterMs, r.retryAfterMs);
    });
    const rule = (buckets[refused] as Bucket).rule.config;
    const message = `rate limit "${rule.name}" (${rule.limit} per ${rule.windowMs / 1000} s${rule.per.length > 0 ? ` per ${rule.per.join(' and ')}` : ''}) reached; retry in ${retryAfterMs} ms`;
    return { ok: false, retryAfterMs, limit: rule.name, error: new GatewayError('GW_ERR_RATE_LIMITED', message, { retryAfterMs, limit: rule.name }) };
  }

  /** Buckets that admitted a call another refused get their token back, off the request's path. */
  private giveBack(buckets: readonly Bucket[], results: readonly TokenBucketResult[]): void {
    buckets.forEach((b, i) => {
      if (!(results[i] as TokenBucketResult).allowed) return;
      if (this.degraded) this.takeLocal([b], -1);
      else void this.store.takeTokens(b.key, b.rule.spec, -1).catch(() => undefined);
    });
  }

  private takeLocal(buckets: readonly Bucket[], cost: number): TokenBucketResult[] {
    if (cost > 0) this.localChecks++;
    const now = Date.now();
    return buckets.map((b) => {
      const held = this.localBuckets.get(b.key);
      const { state, result } = takeFromBucket(held !== undefined && now - held.at <= fullAfterMs(b.rule.local) ? held : undefined, b.rule.local, cost, now);
      // Re-inserted at the end: the Map's first entry is the least recently used.
      this.localBuckets.delete(b.key);
      if (this.localBuckets.size >= MAX_LOCAL_BUCKETS) {
        const oldest = this.localBuckets.keys().next().value;
        if (oldest !== undefined) this.localBuckets.delete(oldest);
      }
      this.localBuckets.set(b.key, state);
      return result;
    });
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
        const values = dim === 'principal' ? [principal.id] : dim === 'tool' ? [call.tool ?? `${call.method}`] : heldRoles.length > 0 ? [...heldRoles] : [''];
        parts = parts.flatMap((p) => values.map((v) => [...p, `${dim}=${v}`]));
      }
      for (const p of parts) out.push({ rule, key: bucketKey(p) });
    }
    return out;
  }
}

/** A bounded, brace-free id for a bucket whatever the principal or tool names hold (128 bits of SHA-256). */
function bucketKey(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}
