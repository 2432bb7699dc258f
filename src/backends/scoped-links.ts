/**
 * The per-client backend sessions of one server that this worker has used,
 * by scope key. Objects here are cheap views (the backend session itself is
 * named by an UpstreamRef in the shared store); one unused for the server's
 * idle timeout is dropped from this worker without ending the backend
 * session, which other workers may still use. A client session's end ends
 * the backend session too (release).
 */
import type { ScopedLink } from './link.js';
import type { UpstreamScope } from '../gateway/upstream-scope.js';

/** How often this worker drops idle per-client link objects. */
export const SCOPED_LINK_SWEEP_MS = 60_000;

export class ScopedLinks {
  private readonly links = new Map<string, ScopedLink>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly create: (scope: UpstreamScope) => ScopedLink, private readonly idleMs: number) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(SCOPED_LINK_SWEEP_MS, idleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.links.size;
  }

  get(scope: UpstreamScope): ScopedLink {
    let link = this.links.get(scope.key);
    if (!link) {
      link = this.create(scope);
      this.links.set(scope.key, link);
    }
    link.lastUsed = Date.now();
    return link;
  }

  /** This worker's view of a scope, if it has one. */
  find(scopeKey: string): ScopedLink | undefined {
    return this.links.get(scopeKey);
  }

  all(): IterableIterator<ScopedLink> {
    return this.links.values();
  }

  /** Ends the scope's backend session (its client session ended), whichever worker opened it. */
  async release(scope: UpstreamScope): Promise<void> {
    const link = this.links.get(scope.key) ?? this.create(scope);
    this.links.delete(scope.key);
    await link.release();
  }

  /** Drops this worker's view of a scope without ending the backend session. */
  async forget(scopeKey: string): Promise<void> {
    const link = this.links.get(scopeKey);
    this.links.delete(scopeKey);
    await link?.close();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.links.values()];
    this.links.clear();
    await Promise.all(all.map((l) => l.close()));
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [key, link] of this.links) {
      if (link.lastUsed < cutoff) {
        this.links.delete(key);
        void link.close();
      }
    }
  }
}
