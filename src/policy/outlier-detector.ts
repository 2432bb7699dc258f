/**
 * Passive outlier detection: a replica whose calls fail with backend faults
 * OUTLIER_CONSECUTIVE_FAULTS times in a row is ejected from rotation for a
 * while, longer each time it is ejected again soon after returning
 * (OUTLIER_BASE_EJECTION_MS doubling up to OUTLIER_MAX_EJECTION_MS). It
 * notices a dead replica from the calls themselves, sooner than the active
 * checks' interval, and costs nothing on a healthy call but a map write.
 *
 * At most OUTLIER_MAX_EJECTED_PERCENT of a server's replicas are ejected at
 * once (at least one): when most replicas fail, the fault is likelier the
 * caller's or the network's, and ejecting them all would turn a partial
 * outage into a full one. State is per worker (it judges the calls it made).
 */
import { isBackendFault } from './circuit-breaker.js';
import { reachedBackend } from './retry-policy.js';
import type { Send } from './breaker-policy.js';

export const OUTLIER_CONSECUTIVE_FAULTS = 3;
export const OUTLIER_BASE_EJECTION_MS = 5_000;
export const OUTLIER_MAX_EJECTION_MS = 300_000;
export const OUTLIER_MAX_EJECTED_PERCENT = 50;
/** A replica that stayed in rotation this long since its last ejection starts again from the base time. */
export const OUTLIER_FORGET_MS = 120_000;

interface ReplicaRecord {
  consecutive: number;
  ejections: number;
  /** Ejected until then (ms since epoch); 0 when in rotation. */
  until: number;
}

export class OutlierDetector {
  private readonly records = new Map<string, ReplicaRecord>();

  /** `replicas`: how many replicas the server has (bounds how many may be ejected at once). */
  constructor(private readonly replicas: number) {}

  /** Whether the replica is in rotation. */
  admits(key: string, now = Date.now()): boolean {
    const r = this.records.get(key);
    return r === undefined || r.until <= now;
  }

  /** Ejected replicas and until when, for the admin view. */
  ejected(now = Date.now()): Array<{ key: string; until: number; ejections: number }> {
    return [...this.records].filter(([, r]) => r.until > now).map(([key, r]) => ({ key, until: r.until, ejections: r.ejections }));
  }

  /** One call's outcome; true when this fault ejected the replica. */
  record(key: string, fault: boolean, now = Date.now()): boolean {
    let r = this.records.get(key);
    if (!fault) {
      if (r) r.consecutive = 0;
      return false;
    }
    if (!r) {
      r = { consecutive: 0, ejections: 0, until: 0 };
      this.records.set(key, r);
    }
    r.consecutive++;
    // Faults of calls that were in flight when the replica was ejected do not eject it again.
    if (r.until > now || r.consecutive < OUTLIER_CONSECUTIVE_FAULTS || !this.mayEject(now)) return false;
    if (r.until > 0 && now - r.until > OUTLIER_FORGET_MS) r.ejections = 0;
    r.ejections++;
    r.until = now + Math.min(OUTLIER_MAX_EJECTION_MS, OUTLIER_BASE_EJECTION_MS * 2 ** (r.ejections - 1));
    r.consecutive = 0;
    return true;
  }

  private mayEject(now: number): boolean {
    const cap = Math.max(1, Math.floor((this.replicas * OUTLIER_MAX_EJECTED_PERCENT) / 100));
    let ejected = 0;
    for (const r of this.records.values()) if (r.until > now) ejected++;
    return ejected < cap;
  }
}

/**
 * Records each attempt's outcome for the replica it went to: backend faults
 * count against it; an answer (a result, or the backend's own error) ends
 * its run of faults; a refusal before anything was sent (not ready, circuit
 * open) says nothing about it either way.
 */
export function withOutlierDetection<T>(detector: OutlierDetector, key: string, send: Send<T>, onEject?: () => void): Send<T> {
  return async () => {
    try {
      const result = await send();
      detector.record(key, false);
      return result;
    } catch (err) {
      if (reachedBackend(err) && detector.record(key, isBackendFault(err))) onEject?.();
      throw err;
    }
  };
}
