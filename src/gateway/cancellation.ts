/**
 * Cancellation on the hot path. Every layer of a call used to chain its own
 * AbortController to the one above; the profile of a worker under load put a
 * seventh of its time into creating signals and adding and removing their
 * listeners. Most requests cannot be cancelled from above at all (a 2025-era
 * session's POST outlet never aborts), so they share one signal that never
 * aborts and linking to it costs nothing.
 */

/** The signal of outlets whose client cannot cancel by going away (2025-era sessions resume instead). */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Aborts `controller` when `signal` aborts; returns the undo. Free for
 * NEVER_ABORTED, the common case, where it adds no listener at all.
 */
export function forwardAbort(signal: AbortSignal, controller: Abortable): () => void {
  if (signal === NEVER_ABORTED) return noop;
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

export function noop(): void {}

export interface Abortable {
  abort(): void;
}

/**
 * An AbortController made only when something asks for its signal. A
 * session's request is registered for notifications/cancelled before anyone
 * knows whether it will reach a backend; a list answered from the catalog
 * never does and never pays for a controller.
 */
export class LazyAbort implements Abortable {
  private controller: AbortController | undefined;
  private aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  abort(): void {
    this.aborted = true;
    this.controller?.abort();
  }
}
