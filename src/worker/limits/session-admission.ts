/**
 * Whether a client address may open another 2025-era session: the caps on
 * sessions per address and per node, and the session-creation rate per
 * address (limits:, docs/security.md "Connections, sessions and rates").
 *
 * Where each is enforced, and what it costs:
 * - The creation rate is a token bucket per address in the shared store,
 *   so it holds across every worker and node: one store round trip per
 *   session created (initialize already writes the session; ordinary calls
 *   pay nothing). While the store is unreachable each worker keeps a local
 *   bucket with its share of the rate.
 * - Session counts are this worker's, against its share of each cap (a node
 *   of W workers: ⌈cap / W⌉ each). Counting them in the store would cost a
 *   write on every session's end and expiry, and a session that expires
 *   idle tells no one. A client whose sessions all ride one keep-alive
 *   connection lands on one worker and meets its share first; the shares
 *   together are the node's cap. A session counts from its creation until
 *   it leaves this worker's memory (ended, ended elsewhere, or idle).
 */
import { GatewayError } from '../../mcp/errors.js';
import { StoreUnavailable, type StateStore, type TokenBucketSpec } from '../../state/store.js';
import { takeFromBucket, type BucketState } from '../../state/token-bucket.js';
import { MAX_LOCAL_SESSION_BUCKETS } from '../../config/defaults.js';
import type { LimitsConfig } from '../../config/model.js';

/** What a refusal for a session count suggests: sessions end by DELETE or by idling out, neither soon. */
export const SESSION_CAP_RETRY_AFTER_MS = 60_000;

export interface SessionTicket {
  /** The session was created: it counts until `forgot(id)`. */
  bind(id: string): void;
  /** The session was not created after all. */
  cancel(): void;
}

export class SessionAdmission {
  private readonly perAddress = new Map<string, number>();
  private readonly addressOf = new Map<string, string>();
  private total = 0;
  private readonly localBuckets = new Map<string, BucketState>();
  private limits!: LimitsConfig;
  private addressCap = 0;
  private totalCap = 0;
  private spec!: TokenBucketSpec;
  private localSpec!: TokenBucketSpec;

  /** `share`: this worker's part of each cap (1 / workers on the node). */
  constructor(
    private readonly store: StateStore,
    limits: LimitsConfig,
    private readonly share: number,
  ) {
    this.reconfigure(limits);
  }

  reconfigure(limits: LimitsConfig): void {
    this.limits = limits;
    this.addressCap = Math.max(1, Math.ceil(limits.sessionsPerAddress * this.share));
    this.totalCap = Math.max(1, Math.ceil(limits.sessionsTotal * this.share));
    this.spec = { capacity: limits.sessionCreateBurst, refillPerMs: limits.sessionCreatesPerSecond / 1000 };
    this.localSpec = { capacity: Math.max(1, limits.sessionCreateBurst * this.share), refillPerMs: (limits.sessionCreatesPerSecond * this.share) / 1000 };
  }

  /** Throws GW_ERR_CLIENT_LIMIT (429) or GW_ERR_SESSION_CAPACITY (503) when `address` may not open a session now. */
  async admit(address: string): Promise<SessionTicket> {
    this.checkCounts(address);
    const retryAfterMs = await this.takeCreation(address);
    if (retryAfterMs > 0) {
      throw new GatewayError('GW_ERR_CLIENT_LIMIT', `Too Many Requests: this address opens sessions faster than limits.sessionCreatesPerSecond (${this.limits.sessionCreatesPerSecond}/s, burst ${this.limits.sessionCreateBurst}); retry in ${Math.ceil(retryAfterMs / 1000)} s`, { limit: 'limits.sessionCreatesPerSecond', retryAfterMs });
    }
    // Checked again: other creations from this address may have been admitted while the bucket was asked.
    this.checkCounts(address);
    this.count(address, 1);
    let settled = false;
    return {
      bind: (id) => {
        if (settled) return;
        settled = true;
        this.addressOf.set(id, address);
      },
      cancel: () => {
        if (settled) return;
        settled = true;
        this.count(address, -1);
      },
    };
  }

  /** A session left this worker's memory. */
  forgot(id: string): void {
    const address = this.addressOf.get(id);
    if (address === undefined) return;
    this.addressOf.delete(id);
    this.count(address, -1);
  }

  /** Sessions counted for `address` and in all on this worker. */
  held(address: string): { address: number; total: number } {
    return { address: this.perAddress.get(address) ?? 0, total: this.total };
  }

  private checkCounts(address: string): void {
    if ((this.perAddress.get(address) ?? 0) >= this.addressCap) {
      throw new GatewayError('GW_ERR_CLIENT_LIMIT', `Too Many Requests: this address holds its cap of sessions (limits.sessionsPerAddress: ${this.limits.sessionsPerAddress} per node, ${this.addressCap} on this worker); end some (DELETE) or wait for idle ones to expire`, { limit: 'limits.sessionsPerAddress', retryAfterMs: SESSION_CAP_RETRY_AFTER_MS });
    }
    if (this.total >= this.totalCap) {
      throw new GatewayError('GW_ERR_SESSION_CAPACITY', `Service Unavailable: this node holds its cap of sessions (limits.sessionsTotal: ${this.limits.sessionsTotal}); retry later or on another node`, { limit: 'limits.sessionsTotal', retryAfterMs: SESSION_CAP_RETRY_AFTER_MS });
    }
  }

  private count(address: string, delta: number): void {
    this.total += delta;
    const now = (this.perAddress.get(address) ?? 0) + delta;
    if (now <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, now);
  }

  /** 0 when a creation token was taken, else ms until one is there. */
  private async takeCreation(address: string): Promise<number> {
    const key = `edge:session-create:${address}`;
    try {
      const result = await this.store.takeTokens(key, this.spec, 1);
      return result.allowed ? 0 : Math.max(1, result.retryAfterMs);
    } catch (err) {
      if (!(err instanceof StoreUnavailable)) throw err;
      // The store is away: this worker's share of the rate, locally (bounded: a flood of addresses resets it).
      if (this.localBuckets.size >= MAX_LOCAL_SESSION_BUCKETS && !this.localBuckets.has(key)) this.localBuckets.clear();
      const { state, result } = takeFromBucket(this.localBuckets.get(key), this.localSpec, 1, 1, Date.now());
      this.localBuckets.set(key, state);
      return result.allowed ? 0 : Math.max(1, result.retryAfterMs);
    }
  }
}
