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
  /** It answered at least once: silence now is a stall, not a start that never finished. */
  answered: boolean;
}

export class WorkerWatchdog {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private seq = 0;

  constructor(
    private settings: WatchdogSettings,
    /** A worker that stayed silent: `silentMs` past its last answer (or past its start grace, `started` false, when it never answered). */
    private readonly onStall: (index: number, silentMs: number, started: boolean) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Starts watching worker `index`. `graceMs` more is allowed before its
   * first answer: a worker just forked loads its modules before it can
   * answer (heartbeats sent meanwhile are simply not answered).
   */
  watch(index: number, send: (seq: number) => void, graceMs = 0): void {
    this.watched.set(index, { send, lastAnswer: this.now() + graceMs, answered: false });
    this.ensureTimer();
  }

  unwatch(index: number): void {
    this.watched.delete(index);
    if (this.watched.size === 0) this.stopTimer();
  }

  /** A heartbeat came back: any answer proves the loop ran, whichever round it was for. */
  answered(index: number): void {
    const w = this.watched.get(index);
    if (!w) return;
    // The first answer ends any start grace: from here on, silence is judged from the last answer.
    w.lastAnswer = this.now();
    w.answered = true;
  }

  reconfigure(settings: WatchdogSettings): void {
    if (settings.heartbeatMs === this.settings.heartbeatMs && settings.stallTimeoutMs === this.settings.stallTimeoutMs) return;
    this.settings = settings;
    this.stopTimer();
    // Silence is judged afresh under the new bounds; a worker still in its start grace keeps it.
    for (const w of this.watched.values()) w.lastAnswer = Math.max(w.lastAnswer, this.now());
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
      if (late) w.lastAnswer = Math.max(w.lastAnswer, now);
      const silentMs = now - w.lastAnswer;
      if (silentMs > this.settings.stallTimeoutMs) {
        this.unwatch(index);
        this.onStall(index, Math.round(silentMs), w.answered);
        continue;
      }
      w.send(seq);
    }
  }
}
