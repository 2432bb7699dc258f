/**
 * Bounds a backend call by its timeout and by the caller's abort signal.
 * Either way the backend is told (notifications/cancelled or an aborted
 * HTTP request) through `cancel`, so work stops where it runs.
 *
 * A call's timeout may be a CallDeadline: then each progress notification
 * from the backend starts the timeout again, up to a total bound
 * (`maxCallMs`), so a long tool that keeps reporting progress is not killed
 * at the call timeout, and one that stops reporting still is.
 */
import { GatewayError } from '../mcp/errors.js';
import type { CancelSignal } from '../gateway/cancellation.js';
import type { LinkHooks } from './link.js';

/**
 * The deadline of one call. Progress only moves a timestamp; the timer is
 * not re-armed per notification (a backend may report every few ms): when
 * it fires, it looks at that timestamp and sleeps again if the call is
 * still within its limits.
 */
export class CallDeadline {
  private readonly startedAt = performance.now();
  private lastProgressAt = this.startedAt;
  private progressed = false;

  /** `maxTotalMs` below `timeoutMs` is raised to it: progress extends a call, never shortens it. */
  constructor(readonly timeoutMs: number, readonly maxTotalMs: number = timeoutMs) {
    this.maxTotalMs = Math.max(maxTotalMs, timeoutMs);
  }

  /** The backend reported progress: the timeout starts again. */
  progress(now = performance.now()): void {
    this.lastProgressAt = now;
    this.progressed = true;
  }

  /** The call's hooks, with progress notifications also extending this deadline. */
  watch(hooks: LinkHooks): LinkHooks {
    if (this.maxTotalMs === this.timeoutMs) return hooks;
    return {
      onNotification: (message) => {
        if (message.method === 'notifications/progress') this.progress();
        hooks.onNotification(message);
      },
      onServerRequest: (method, params) => hooks.onServerRequest(method, params),
    };
  }

  /** Milliseconds left from `now` (0 or less: passed), and which limit is nearer. */
  remaining(now = performance.now()): { ms: number; limit: 'idle' | 'total' } {
    const idle = this.lastProgressAt + this.timeoutMs - now;
    const total = this.startedAt + this.maxTotalMs - now;
    return idle <= total ? { ms: idle, limit: 'idle' } : { ms: total, limit: 'total' };
  }

  /** Why the call timed out, for its error and for the backend's cancellation. */
  describe(limit: 'idle' | 'total'): string {
    if (limit === 'total') return `did not finish within ${this.maxTotalMs} ms (the most a call may run, however much progress it reports)`;
    return this.progressed ? `reported no progress for ${this.timeoutMs} ms` : `did not answer within ${this.timeoutMs} ms`;
  }
}

export function withDeadline<T>(
  work: Promise<T>,
  limit: number | CallDeadline,
  signal: CancelSignal | undefined,
  cancel: (reason: string) => void,
  what: string,
): Promise<T> {
  const deadline = typeof limit === 'number' ? new CallDeadline(limit) : limit;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      if (done) return;
      finish();
      cancel('client cancelled the request');
      reject(new GatewayError('GW_ERR_INTERNAL', `${what} was cancelled by the client`, { cancelled: true }));
    };
    const arm = (ms: number) => {
      timer = setTimeout(() => {
        if (done) return;
        const left = deadline.remaining();
        // Progress arrived since the timer was set: the call lives on.
        if (left.ms > 0) return arm(left.ms);
        finish();
        const why = deadline.describe(left.limit);
        cancel(why.startsWith('did not answer') ? `timed out after ${deadline.timeoutMs} ms` : `timed out: ${why}`);
        reject(new GatewayError('GW_ERR_BACKEND_TIMEOUT', `${what} ${why}`));
      }, ms);
    };
    arm(deadline.remaining().ms);
    // Handlers first: the work may reject later even when the caller is already gone.
    work.then(
      (value) => {
        if (done) return;
        finish();
        resolve(value);
      },
      (err: unknown) => {
        if (done) return;
        finish();
        reject(err);
      },
    );
    if (signal) {
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}
