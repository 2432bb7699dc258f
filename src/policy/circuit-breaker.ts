/**
 * Circuit breakers per backend, shared by every worker and node. The key is
 * opaque: a server name, or a replica key (src/policy/replica-set.ts
 * replicaKey) for a breaker per replica; it names the store record
 * (`br:<key>`) and rides the bus message (`{ t: 'breaker', backend: key }`).
 *
 * Transitions are atomic in the store (a Lua script on Redis); every worker
 * keeps a snapshot, updated from the bus when any worker changes a state, so
 * a call on a healthy backend costs no store round trip: the store is asked
 * only when a call fails, when the first call succeeds after failures, and
 * when an open circuit's cool-down ends (one caller cluster-wide gets to
 * probe). With the store unreachable the same rules run on local state.
 */
import { GatewayError } from '../mcp/errors.js';
import { nextBreakerState } from '../state/breaker-rules.js';
import { BREAKER_CHANNEL, type BreakerPolicy, type BreakerSnapshot, type StateStore } from '../state/store.js';
import type { Logger } from '../observe/log.js';

export const BREAKER_FAILURE_THRESHOLD = 5;
export const BREAKER_OPEN_MS = 10_000;
export const DEFAULT_BREAKER_POLICY: BreakerPolicy = Object.freeze({ threshold: BREAKER_FAILURE_THRESHOLD, openMs: BREAKER_OPEN_MS });

const CLOSED: BreakerSnapshot = Object.freeze({ state: 'closed', until: 0, failures: 0 });

export class CircuitBreakers {
  private readonly snapshots = new Map<string, BreakerSnapshot>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: StateStore, private readonly logger: Logger, private readonly policy: BreakerPolicy = DEFAULT_BREAKER_POLICY) {
    this.unsubscribe = store.subscribe(BREAKER_CHANNEL, (m) => {
      if (m.t === 'breaker') this.snapshots.set(m.backend, m.state);
    });
  }

  snapshot(backend: string): BreakerSnapshot {
    return this.snapshots.get(backend) ?? CLOSED;
  }

  /**
   * Whether a call may be sent now, from this worker's snapshot alone (no
   * store round trip, nothing claimed): false while the circuit is open, or
   * half-open with another caller's probe under way. A replica set uses it
   * to leave such a replica out of the balancer's choice; admit() still
   * decides (and claims the probe) when the call is made.
   */
  admits(backend: string, now = Date.now()): boolean {
    const s = this.snapshot(backend);
    return s.state === 'closed' || now >= s.until;
  }

  /** Throws GW_ERR_BACKEND_UNAVAILABLE while the circuit is open; lets one probe through when it may close. */
  async admit(backend: string, now = Date.now()): Promise<void> {
    const s = this.snapshot(backend);
    if (s.state === 'closed') return;
    if (s.state === 'open' && now < s.until) throw this.openError(backend, s, now);
    if (s.state === 'half-open' && now < s.until) throw this.openError(backend, s, now);
    const next = await this.apply(backend, 'probe', now);
    if (!next.granted) throw this.openError(backend, next, now);
  }

  /** Reports how a call went; only backend faults count as failures. */
  async record(backend: string, ok: boolean, now = Date.now()): Promise<void> {
    const s = this.snapshot(backend);
    if (ok && s.state === 'closed' && s.failures === 0) return;
    const next = await this.apply(backend, ok ? 'success' : 'failure', now);
    if (next.state !== s.state) this.logger.warn({ backend, from: s.state, to: next.state, failures: next.failures }, `circuit ${next.state}`);
  }

  close(): void {
    this.unsubscribe();
  }

  private async apply(backend: string, event: 'failure' | 'success' | 'probe', now: number): Promise<BreakerSnapshot & { granted?: boolean }> {
    let next: BreakerSnapshot & { granted?: boolean };
    try {
      next = await this.store.breaker(backend, event, this.policy, now);
    } catch {
      next = nextBreakerState(this.snapshot(backend), event, this.policy, now);
    }
    this.snapshots.set(backend, { state: next.state, until: next.until, failures: next.failures });
    return next;
  }

  private openError(backend: string, s: BreakerSnapshot, now: number): GatewayError {
    const wait = Math.max(0, s.until - now);
    return new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `Backend ${backend} is failing (circuit open after ${s.failures} consecutive faults); next attempt in ${Math.ceil(wait / 1000)} s`, { retryAfterMs: wait });
  }
}

/**
 * Faults that are the backend's and happened on an attempt: they count
 * against its circuit. Client mistakes, cancellations, "not ready yet" and
 * the open circuit's own refusals do not.
 */
export function isBackendFault(err: unknown): boolean {
  return err instanceof GatewayError && err.spec.fault === 'backend' && err.data?.retryAfterMs === undefined && err.data?.notReady !== true;
}
