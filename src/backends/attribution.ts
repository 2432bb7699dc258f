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
}

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
   * call in flight belongs to one group; otherwise undefined (ambiguous).
   */
  attribute(): InFlight<O> | undefined {
    let chosen: InFlight<O> | undefined;
    for (const entry of this.calls.values()) {
      if (chosen && chosen.group !== entry.group) return undefined;
      if (!chosen || entry.startedAt >= chosen.startedAt) chosen = entry;
    }
    return chosen;
  }
}
