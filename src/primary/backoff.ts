/**
 * Restart backoff with a crash-loop guard: the delay doubles on every failure
 * up to a ceiling and resets only after the process stayed up for a while,
 * so a server that dies right after its handshake cannot spin the CPU.
 */
export class Backoff {
  private failures = 0;
  private upSince = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    /** Uptime after which the next failure counts as the first again. */
    private readonly healthyResetMs: number,
  ) {}

  started(now = Date.now()): void {
    this.upSince = now;
  }

  /** The delay before the next start, given that the process just failed. */
  failed(now = Date.now()): number {
    if (this.upSince > 0 && now - this.upSince >= this.healthyResetMs) this.failures = 0;
    this.upSince = 0;
    const delay = Math.min(this.maxMs, this.minMs * 2 ** this.failures);
    this.failures++;
    return delay;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
