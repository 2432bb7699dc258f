/**
 * Tells this worker's sessions that a merged list changed, at most once per
 * LIST_CHANGE_COALESCE_MS per kind. Backends report their lists one by one
 * (a hundred of them starting, or a reload), and each announcement names the
 * new list by a digest of all of it: without coalescing, a start of N
 * backends hashed the growing list N times. Clients re-list on the
 * notification, so one announcement of the latest list loses nothing.
 */
import type { ListKind } from '../gateway/catalog.js';

/** How long changes of one kind are gathered before they are announced. */
export const LIST_CHANGE_COALESCE_MS = 50;

export class ListChangeAnnouncer {
  private readonly pending = new Map<ListKind, NodeJS.Timeout>();

  constructor(
    /** Announces the list of a kind as it is when called (digest and notify). */
    private readonly announce: (kind: ListKind) => void,
    private readonly delayMs = LIST_CHANGE_COALESCE_MS,
  ) {}

  changed(kind: ListKind): void {
    if (this.pending.has(kind)) return;
    const timer = setTimeout(() => {
      this.pending.delete(kind);
      this.announce(kind);
    }, this.delayMs);
    timer.unref();
    this.pending.set(kind, timer);
  }

  close(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
