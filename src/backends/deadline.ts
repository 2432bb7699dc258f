/**
 * Bounds a backend call by its timeout and by the caller's abort signal.
 * Either way the backend is told (notifications/cancelled or an aborted
 * HTTP request) through `cancel`, so work stops where it runs.
 */
import { GatewayError } from '../mcp/errors.js';
import type { CancelSignal } from '../gateway/cancellation.js';

export function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  signal: CancelSignal | undefined,
  cancel: (reason: string) => void,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
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
    const timer = setTimeout(() => {
      if (done) return;
      finish();
      cancel(`timed out after ${timeoutMs} ms`);
      reject(new GatewayError('GW_ERR_BACKEND_TIMEOUT', `${what} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
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
