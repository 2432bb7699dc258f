/**
 * A request whose response body is read as a stream: the long-lived SSE
 * streams of HTTP backends (a legacy session's GET stream, a modern
 * backend's subscriptions/listen, the 2024-11-05 transport's event stream).
 * Resolves once the response head is in; the body is a Readable of bytes,
 * and destroying it (or aborting `signal`) closes the connection.
 */
import { Readable } from 'node:stream';
import type { H1Pool } from './h1-pool.js';
import type { H1Request } from './h1-request.js';
import type { ResponseHeaders } from './response-parser.js';

export interface StreamResponse {
  status: number;
  headers: ResponseHeaders;
  body: Readable;
}

export function streamRequest(pool: H1Pool, request: H1Request, signal?: AbortSignal): Promise<StreamResponse> {
  return new Promise<StreamResponse>((resolve, reject) => {
    let body: Readable | undefined;
    const exchange = pool.request(request, {
      response(status, headers) {
        body = new Readable({
          read() {},
          destroy(err, callback) {
            exchange.abort();
            callback(err);
          },
        });
        resolve({ status, headers, body });
      },
      data(chunk) {
        body?.push(chunk);
      },
      end() {
        body?.push(null);
      },
      error(err) {
        if (body) body.destroy(err);
        else reject(err);
        signal?.removeEventListener('abort', onAbort);
      },
    });
    const onAbort = () => {
      exchange.abort();
      const err = Object.assign(new Error('request aborted'), { name: 'AbortError' });
      if (body) body.destroy(err);
      else reject(err);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sends a request and ignores the answer's body (notifications and answers to a legacy SSE endpoint, DELETE). */
export function sendAndForget(pool: H1Pool, request: H1Request): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let status = 0;
    pool.request(request, {
      response: (s) => (status = s),
      data: () => undefined,
      end: () => resolve(status),
      error: reject,
    });
  });
}
