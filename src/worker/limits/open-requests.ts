/**
 * Requests and streams one client address has open at once on this worker
 * (limits.concurrentRequestsPerAddress, this worker's share of it).
 *
 * uWebSockets.js gives JavaScript no hook when an HTTP connection opens,
 * only when a request's head is complete, so this is what "connections per
 * address" can count: every request from its head to its answer, an SSE
 * stream for as long as it is open. Sockets that never finish a head are
 * uWS's to close (UWS_HTTP_IDLE_TIMEOUT_S); idle keep-alive connections
 * hold nothing here.
 *
 * Reading a peer's address from uWS allocates (it costs several times a
 * header read), so it is read only when it can matter: while this worker
 * has fewer requests open than the cap, no address can be at the cap, and
 * a request costs a Set insert and delete. The first request at the cap
 * reads the address of every open request once; from then until the open
 * count falls back below the cap each new request reads its own.
 */

/** The client address of an open request, read when first needed (memoised by the caller). */
export type LazyAddress = () => string;

interface Entry {
  readonly address: LazyAddress;
  /** Set once the entry was counted under its address. */
  counted: string | undefined;
}

export class OpenRequests {
  private readonly perAddress = new Map<string, number>();
  /** Open requests not yet counted under an address (only while below the cap). */
  private readonly uncounted = new Set<Entry>();
  private total = 0;

  constructor(private cap: number) {}

  setCap(cap: number): void {
    this.cap = cap;
  }

  /** Takes a slot: the release function (idempotent), or undefined when the request's address holds its cap. */
  acquire(address: LazyAddress): (() => void) | undefined {
    const entry: Entry = { address, counted: undefined };
    if (this.total + 1 >= this.cap) {
      // Some address may reach the cap: every open request is counted under its address from here.
      for (const open of this.uncounted) this.count(open);
      this.uncounted.clear();
      const key = address();
      if ((this.perAddress.get(key) ?? 0) >= this.cap) return undefined;
      this.count(entry, key);
    } else {
      this.uncounted.add(entry);
    }
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      if (entry.counted === undefined) {
        this.uncounted.delete(entry);
        return;
      }
      const now = (this.perAddress.get(entry.counted) ?? 1) - 1;
      if (now <= 0) this.perAddress.delete(entry.counted);
      else this.perAddress.set(entry.counted, now);
    };
  }

  /** Open requests on this worker, and those counted under `address` (tests, the admin view). */
  held(address: string): { total: number; address: number } {
    return { total: this.total, address: this.perAddress.get(address) ?? 0 };
  }

  private count(entry: Entry, key = entry.address()): void {
    entry.counted = key;
    this.perAddress.set(key, (this.perAddress.get(key) ?? 0) + 1);
  }
}
