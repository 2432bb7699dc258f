/**
 * Readiness: a worker answers `GET /health` with 200 once it listens and
 * every enabled backend has had its first chance to start (became ready, or
 * failed an attempt), so a client that starts right after readiness sees the
 * whole catalog. It answers 503 while draining. A backend that is down makes
 * the gateway "degraded", not unready: the others still serve.
 *
 * `/health` is anonymous (load balancers, probes), so it says only how the
 * worker is: `{status}` with up, degraded, starting or draining. Backend
 * names, PIDs and last errors are the admin view's (`/admin/health`), since
 * they tell an outsider what runs behind the gateway and how it fails.
 */
import type { Backend } from '../backends/backend.js';
import { observeDegraded, storeUp } from '../observe/metrics.js';
import type { LinkStatus } from '../backends/link.js';

export class Health {
  private readonly settled = new Set<string>();
  private draining = false;
  private degradedReasons = new Map<string, string>();

  constructor(private readonly backends: () => Backend[]) {
    storeUp.set(1);
    observeDegraded(() => this.build().body.status === 'degraded');
  }

  onBackendStatus(name: string, status: LinkStatus): void {
    if (status.state === 'ready' || status.state === 'restarting' || status.state === 'failed') this.settled.add(name);
  }

  /** Reasons outside backends (e.g. the shared store is unreachable). */
  setDegraded(key: string, reason: string | undefined): void {
    if (reason === undefined) this.degradedReasons.delete(key);
    else this.degradedReasons.set(key, reason);
    if (key === 'redis') storeUp.set(reason === undefined ? 1 : 0);
  }

  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  ready(): boolean {
    if (this.draining) return false;
    return this.backends().every((b) => this.settled.has(b.name));
  }

  /** What anyone may see: the HTTP status and `{status}` alone. */
  report(): { status: number; body: { status: string } } {
    const full = this.build();
    return { status: full.status, body: { status: full.body.status as string } };
  }

  /** The admin view: backends with their state, process and last error, and reasons for degradation. */
  detail(): { status: number; body: Record<string, unknown> } {
    return this.build();
  }

  private build(): { status: number; body: Record<string, unknown> } {
    const backends = this.backends().map((b) => {
      const s = b.status();
      return { name: b.name, state: s.state, era: s.identity?.era, protocolVersion: s.identity?.protocolVersion, lastError: s.lastError, ...s.process };
    });
    const down = backends.filter((b) => b.state !== 'ready').map((b) => b.name);
    const ready = this.ready();
    const degraded = down.length > 0 || this.degradedReasons.size > 0;
    return {
      status: ready ? 200 : 503,
      body: {
        status: this.draining ? 'draining' : !ready ? 'starting' : degraded ? 'degraded' : 'up',
        pid: process.pid,
        backends,
        ...(this.degradedReasons.size > 0 ? { degraded: Object.fromEntries(this.degradedReasons) } : {}),
      },
    };
  }
}
