/**
 * Cancellation on the hot path. Every layer of a call used to chain its own
 * AbortController to the one above; the profile of a worker under load put a
 * seventh of its time into creating signals and adding and removing their
 * listeners. The layers between a client and a backend therefore take a
 * CancelSignal: the three members of AbortSignal they use, which a real
 * AbortSignal satisfies and a CancelSource provides for the price of one
 * small object. Most requests cannot be cancelled from above at all (a
 * 2025-era session's POST outlet never aborts): they share NEVER_ABORTED,
 * and linking to it costs nothing.
 */

/** What the gateway's layers need of an abort signal; AbortSignal satisfies it. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface Abortable {
  abort(): void;
}

/** The signal of outlets whose client cannot cancel by going away (2025-era sessions resume instead). */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * Aborts `target` when `signal` aborts; returns the undo. Free for
 * NEVER_ABORTED, the common case, where it adds no listener at all.
 */
export function forwardAbort(signal: CancelSignal, target: Abortable): () => void {
  if (signal === NEVER_ABORTED) return noop;
  const onAbort = () => target.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

export function noop(): void {}

/**
 * An abort source and its signal in one object, without an EventTarget:
 * listeners are called once, in order, when it aborts; a listener added
 * after that is never called (as with AbortSignal). A session's request is
 * registered for notifications/cancelled whether or not it ever reaches a
 * backend, so this is made for every request.
 */
export class CancelSource implements CancelSignal, Abortable {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;

  get signal(): CancelSignal {
    return this;
  }

  abort(reason: unknown = new Error('cancelled')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.listeners!.splice(at, 1);
  }
}
