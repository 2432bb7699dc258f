/**
 * Reads a request body with the size cap enforced while reading: a client
 * announcing or sending more than the cap is answered 413 at the first byte
 * over, and the rest is never buffered.
 */
import type { HttpResponse } from './uws.js';

export type BodyOutcome = { ok: true; body: Buffer } | { ok: false; tooLarge: true };

export function readBody(res: HttpResponse, maxBytes: number, declaredLength: number, done: (outcome: BodyOutcome) => void): void {
  if (declaredLength > maxBytes) {
    done({ ok: false, tooLarge: true });
    return;
  }
  let parts: Buffer[] | undefined;
  let size = 0;
  let over = false;
  res.onData((chunk, isLast) => {
    if (over) return;
    size += chunk.byteLength;
    if (size > maxBytes) {
      over = true;
      parts = undefined;
      done({ ok: false, tooLarge: true });
      return;
    }
    // uWS reuses the chunk's memory after this callback returns: copy it.
    const copy = Buffer.from(chunk.slice(0));
    if (isLast) {
      if (!parts) done({ ok: true, body: copy });
      else {
        parts.push(copy);
        done({ ok: true, body: Buffer.concat(parts, size) });
      }
      return;
    }
    (parts ??= []).push(copy);
  });
}
