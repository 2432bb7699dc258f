/**
 * Active health checks, run by the primary: once per node, not once per
 * worker. Each replica with `health:` configured gets a loop that probes it
 * every intervalMs (bounded by timeoutMs) and applies the result to the
 * replica's health record in the store, where every node's prober meets:
 * the store counts passes and failures in a row, changes the state at the
 * thresholds, and publishes each change on HEALTH_CHANNEL, from which every
 * worker's HealthView takes it (src/policy/health-view.ts).
 *
 * With the store unreachable the same rules run on the prober's own copy,
 * for its log and metrics; workers then judge replicas by their calls alone
 * (outlier detection, breakers) until the store is back.
 *
 * Metrics (primary registry): only1mcp_replica_up, only1mcp_health_probe_seconds,
 * only1mcp_replica_health_transitions_total.
 */
import { nextHealthState, UNKNOWN_HEALTH } from '../state/health-rules.js';
import { healthProbeSeconds, replicaHealthTransitions, replicaUp } from '../observe/metrics.js';
import { replicaKey } from '../policy/replica-set.js';
import type { HealthSnapshot, HealthPolicy, StateStore } from '../state/store.js';
import type { HealthCheckConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';
import type { Probe } from './health-probes.js';

/** A health record outlives this many intervals without a probe, then reads as unknown (every prober gone). */
export const HEALTH_RECORD_TTL_INTERVALS = 10;

export interface ProbeTarget {
  readonly server: string;
  /** The replica's id within its server ("1".."N", or its URL). */
  readonly replica: string;
  readonly check: HealthCheckConfig;
  readonly probe: Probe;
  /** Releases what the probe holds (a session on the replica); called once the prober is done with it. */
  readonly close?: (() => Promise<void>) | undefined;
}

export class HealthProber {
  private readonly loops = new Map<string, ProbeLoop>();

  constructor(private readonly store: StateStore, private readonly logger: Logger) {}

  /**
   * Probes exactly these targets from now on: new ones start (probed at
   * once), missing ones stop, ones whose check changed restart. A target is
   * known by its replica key and its check: a running loop with the same
   * check keeps its probe, and the new target's probe is closed unused.
   */
  set(targets: readonly ProbeTarget[]): void {
    const wanted = new Map(targets.map((t) => [replicaKey(t.server, t.replica), t]));
    for (const [key, loop] of this.loops) {
      const next = wanted.get(key);
      if (next && JSON.stringify(next.check) === JSON.stringify(loop.target.check)) {
        if (next !== loop.target) void next.close?.();
        wanted.delete(key);
        continue;
      }
      loop.stop();
      this.loops.delete(key);
      void loop.target.close?.();
      replicaUp.remove(loop.target.server, loop.target.replica);
    }
    for (const [key, target] of wanted) {
      const loop = new ProbeLoop(key, target, this.store, this.logger);
      this.loops.set(key, loop);
      loop.start();
    }
  }

  /** This prober's last view of a replica (by replica key). */
  snapshot(key: string): HealthSnapshot {
    return this.loops.get(key)?.snapshot ?? UNKNOWN_HEALTH;
  }

  stop(): void {
    this.set([]);
  }
}

class ProbeLoop {
  snapshot: HealthSnapshot = UNKNOWN_HEALTH;
  private timer: NodeJS.Timeout | undefined;
  private controller: AbortController | undefined;
  private stopped = false;
  private readonly policy: HealthPolicy;

  constructor(
    private readonly key: string,
    readonly target: ProbeTarget,
    private readonly store: StateStore,
    private readonly logger: Logger,
  ) {
    const c = target.check;
    this.policy = { healthyThreshold: c.healthyThreshold, unhealthyThreshold: c.unhealthyThreshold, ttlMs: c.intervalMs * HEALTH_RECORD_TTL_INTERVALS };
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  private async tick(): Promise<void> {
    const started = performance.now();
    const ok = await this.probeOnce();
    if (this.stopped) return;
    healthProbeSeconds.labels(this.target.server, this.target.replica, ok ? 'pass' : 'fail').observe((performance.now() - started) / 1000);
    await this.apply(ok);
    if (this.stopped) return;
    // Every intervalMs from the start of the last probe (timeoutMs ≤ intervalMs, so probes never overlap).
    const wait = Math.max(0, this.target.check.intervalMs - (performance.now() - started));
    this.timer = setTimeout(() => void this.tick(), wait);
    this.timer.unref();
  }

  private async probeOnce(): Promise<boolean> {
    const controller = new AbortController();
    this.controller = controller;
    const timer = setTimeout(() => controller.abort(), this.target.check.timeoutMs);
    try {
      const timedOut = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true }));
      await Promise.race([this.target.probe(controller.signal), timedOut]);
      return true;
    } catch (err) {
      this.logger.debug({ server: this.target.server, replica: this.target.replica, err: err instanceof Error ? err.message : String(err) }, 'health probe failed');
      return false;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  private async apply(ok: boolean): Promise<void> {
    const now = Date.now();
    let next: HealthSnapshot;
    let changed: boolean;
    try {
      ({ changed, ...next } = await this.store.healthProbe(this.key, ok, this.policy, now));
    } catch {
      next = nextHealthState(this.snapshot, ok, this.policy, now);
      changed = next.state !== this.snapshot.state;
    }
    if (this.stopped) return;
    this.snapshot = next;
    const { server, replica } = this.target;
    if (next.state !== 'unknown') replicaUp.labels(server, replica).set(next.state === 'healthy' ? 1 : 0);
    if (!changed) return;
    replicaHealthTransitions.labels(server, replica, next.state).inc();
    const line = { server, replica, state: next.state, passes: next.passes, failures: next.failures };
    if (next.state === 'unhealthy') this.logger.warn(line, 'replica unhealthy: out of rotation');
    else this.logger.info(line, 'replica healthy: in rotation');
  }
}
