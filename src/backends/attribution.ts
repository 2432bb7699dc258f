/**
 * Which in-flight call does an unattributed backend message belong to?
 *
 * On a shared stdio pipe (or a legacy HTTP+SSE stream) a 2025-era backend's
 * log message or sampling request carries no reference to the call that
 * caused it. Progress is exact (the gateway rewrites progress tokens per
 * call). For the rest, the only safe answer is "the one owner with calls in
 * flight": when calls of several owners are in flight, the message is
 * ambiguous and must not be guessed onto another client's session.
 */

export interface InFlight<O> {
  readonly owner: O;
  /** Groups calls that may see each other's messages (a client session). */
  readonly group: string;
  readonly startedAt: number;
  /** Backend requests of this call the client has not answered yet, and since when. */
  waiting?: { count: number; since: number };
}

/**
 * A call blocked on the client (the backend asked and awaits the answer)
 * is not the source of a new backend message once another call has started
 * after it blocked: a server sends several requests of one call in one
 * burst, before any later call could begin. Without this rule, one client
 * that never answers (an abandoned input_required round holds its call for
 * minutes) would make every other session's sampling on the same backend
 * ambiguous.
 */

export class InFlightIndex<O> {
  private readonly calls = new Map<string | number, InFlight<O>>();

  add(id: string | number, entry: InFlight<O>): void {
    this.calls.set(id, entry);
  }

  delete(id: string | number): InFlight<O> | undefined {
    const entry = this.calls.get(id);
    this.calls.delete(id);
    return entry;
  }

  get(id: string | number): InFlight<O> | undefined {
    return this.calls.get(id);
  }

  get size(): number {
    return this.calls.size;
  }

  entries(): IterableIterator<[string | number, InFlight<O>]> {
    return this.calls.entries();
  }

  /**
   * The owner an unattributed message goes to: the newest call when every
   * call in flight (not blocked on the client) belongs to one group;
   * otherwise undefined (ambiguous).
   */
  attribute(): InFlight<O> | undefined {
    let newestStart = -Infinity;
    for (const entry of this.calls.values()) newestStart = Math.max(newestStart, entry.startedAt);
    let chosen: InFlight<O> | undefined;
    for (const entry of this.calls.values()) {
      if (entry.waiting && entry.waiting.count > 0 && entry.waiting.since < newestStart) continue;
      if (chosen && chosen.group !== entry.group) return undefined;
      if (!chosen || entry.startedAt >= chosen.startedAt) chosen = entry;
    }
    return chosen;
  }

  /** The backend asked the client something on behalf of this call; `done` when it was answered. */
  waitingOnClient(entry: InFlight<O>, now = performance.now()): () => void {
    if (!entry.waiting || entry.waiting.count === 0) entry.waiting = { count: 0, since: now };
    entry.waiting.count++;
    return () => {
      if (entry.waiting) entry.waiting.count--;
    };
  }
}
