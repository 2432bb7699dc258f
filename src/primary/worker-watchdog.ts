/**
 * The primary's watchdog over its workers: every `heartbeatMs` each watched
 * worker is sent a heartbeat over the cluster channel, which its event loop
 * answers at once; a worker with no answer for `stallTimeoutMs` is reported
 * stalled (the pool kills and replaces it).
 *
 * Why a stall is worth a kill: every client connected to a stopped worker
 * (SIGSTOP, a runaway loop, a pathological GC pause) waits with it, while
 * their sessions live in the shared store and any other worker could serve
 * them. A killed worker's connections close, and clients retry elsewhere.
 *
 * The judge may itself be late: if the primary's own timer fires far behind
 * schedule (its loop was blocked, or the machine suspended), no answer could
 * have been read meanwhile, so that round judges no one and the clocks restart.
 */
export interface WatchdogSettings {
  readonly heartbeatMs: number;
  readonly stallTimeoutMs: number;
}

interface Watched {
  send(seq: number): void;
  lastAnswer: number;
}

export class WorkerWatchdog {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private seq = 0;

  constructor(
    private settings: WatchdogSettings,
    /** A worker that stayed silent: `silentMs` since its last answer (or since it was first watched). */
    private readonly onStall: (index: number, silentMs: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts watching worker `index` (once it listens: module loading at start is not a stall). */
  watch(index: number, send: (seq: number) => void): void {
    this.watched.set(index, { send, lastAnswer: this.now() });
    this.ensureTimer();
  }

  unwatch(index: number): void {
    this.watched.delete(index);
    if (this.watched.size === 0) this.stopTimer();
  }

  /** A heartbeat came back: any answer proves the loop ran, whichever round it was for. */
  answered(index: number): void {
    const w = this.watched.get(index);
    if (w) w.lastAnswer = this.now();
  }

  reconfigure(settings: WatchdogSettings): void {
    if (settings.heartbeatMs === this.settings.heartbeatMs && settings.stallTimeoutMs === this.settings.stallTimeoutMs) return;
    this.settings = settings;
    this.stopTimer();
    for (const w of this.watched.values()) w.lastAnswer = this.now();
    if (this.watched.size > 0) this.ensureTimer();
  }

  stop(): void {
    this.watched.clear();
    this.stopTimer();
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), this.settings.heartbeatMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = this.now();
    const late = now - this.lastTick > this.settings.heartbeatMs + this.settings.stallTimeoutMs / 2;
    this.lastTick = now;
    const seq = ++this.seq;
    for (const [index, w] of this.watched) {
      if (late) w.lastAnswer = now;
      const silentMs = now - w.lastAnswer;
      if (silentMs > this.settings.stallTimeoutMs) {
        this.unwatch(index);
        this.onStall(index, Math.round(silentMs));
        continue;
      }
      w.send(seq);
    }
  }
}
