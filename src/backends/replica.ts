/**
 * One replica of a server as a worker holds it: its id (docs/routing.md),
 * the gateway's own backend session with it (the shared link) and, for a
 * 2025-era server whose clients get backend sessions of their own, those
 * sessions on this replica (per-client links). A server with one replica
 * has exactly one of these; Backend (backend.ts) is the server over them.
 */
import type { BackendLink } from './link.js';
import type { ScopedLinks } from './scoped-links.js';

export class Replica {
  constructor(
    readonly id: string,
    readonly link: BackendLink,
    readonly scoped: ScopedLinks | undefined,
  ) {}

  get ready(): boolean {
    return this.link.status().state === 'ready';
  }

  async close(): Promise<void> {
    await Promise.all([this.link.close(), this.scoped?.close()]);
  }
}

/** A replica as operators see it (the admin view), from one worker's point of view. */
export interface ReplicaStatus {
  id: string;
  /** Its shared link: ready, starting, restarting, failed, stopped. */
  state: string;
  /** The active checks' verdict: unknown, healthy, unhealthy. */
  health: string;
  /** Its circuit breaker: closed, open, half-open. */
  circuit: string;
  /** Ejected by this worker's outlier detection until then (ms since epoch). */
  ejectedUntil?: number;
  /** Calls this worker has in flight on it. */
  inflight: number;
  weight: number;
  /** Lists in which it differs from the replicas that agree. */
  listsDiffer?: string[];
}
