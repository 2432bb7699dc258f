/**
 * Requests and streams one client address has open at once on this worker
 * (limits.concurrentRequestsPerAddress, this worker's share of it).
 *
 * uWebSockets.js gives JavaScript no hook when an HTTP connection opens,
 * only when a request's head is complete, so this is what "connections per
 * address" can count: every request from its head to its answer, an SSE
 * stream for as long as it is open. Sockets that never finish a head are
 * uWS's to close (UWS_HTTP_IDLE_TIMEOUT_S); idle keep-alive connections
 * hold nothing here. Cost per request: one Map read and write each way.
 */
export class OpenRequests {
  private readonly open = new Map<string, number>();

  constructor(private cap: number) {}

  setCap(cap: number): void {
    this.cap = cap;
  }

  /** Takes a slot for `address`: the release function (idempotent), or undefined when it holds its cap. */
  acquire(address: string): (() => void) | undefined {
    const held = this.open.get(address) ?? 0;
    if (held >= this.cap) return undefined;
    this.open.set(address, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.open.get(address) ?? 1) - 1;
      if (now <= 0) this.open.delete(address);
      else this.open.set(address, now);
    };
  }

  /** Open requests of `address` (tests, the admin view). */
  of(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
