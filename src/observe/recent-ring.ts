/**
 * A fixed-size ring of recent entries, each numbered as it arrives. Readers
 * poll with the last number they saw (`after`), so the TUI and scripts tail
 * it without missing or repeating what is still held. Writing is one array
 * store: no allocation past the ring, no sorting.
 */
export interface Numbered {
  seq: number;
}

export class RecentRing<T extends object> {
  private readonly slots: Array<(T & Numbered) | undefined>;
  private next = 1;

  constructor(readonly capacity: number) {
    this.slots = new Array<(T & Numbered) | undefined>(capacity);
  }

  /** The last number given out (0 before the first entry). */
  get lastSeq(): number {
    return this.next - 1;
  }

  push(entry: T): void {
    const seq = this.next++;
    this.slots[seq % this.capacity] = { seq, ...entry };
  }

  /**
   * Entries numbered above `after`, oldest first, at most `limit` of them:
   * the newest `limit` when `after` is 0 (a first look), else the ones
   * right after `after` (a tail that keeps up page by page).
   */
  after(after: number, limit: number): Array<T & Numbered> {
    const oldest = Math.max(1, this.next - this.capacity);
    let from = Math.max(after + 1, oldest);
    if (after <= 0) from = Math.max(from, this.next - limit);
    const out: Array<T & Numbered> = [];
    for (let seq = from; seq < this.next && out.length < limit; seq++) {
      const entry = this.slots[seq % this.capacity];
      if (entry && entry.seq === seq) out.push(entry);
    }
    return out;
  }

  /** Every entry held, oldest first. */
  all(): Array<T & Numbered> {
    return this.after(0, this.capacity);
  }
}
