/**
 * One HTTP response on uWS: a plain JSON body, an empty status, or an SSE
 * stream. Hides uWS's rules (cork around async writes, nothing after abort,
 * status before headers) and bounds what a slow SSE reader can make us
 * buffer.
 */
import { SSE_KEEPALIVE } from '../../mcp/sse.js';
import type { HttpResponse } from './uws.js';
import { SSE_MAX_BUFFERED_BYTES } from '../../config/defaults.js';
import { restoreRawIds } from '../../mcp/raw-id.js';

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  202: '202 Accepted',
  204: '204 No Content',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  406: '406 Not Acceptable',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
  504: '504 Gateway Timeout',
};

function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}

/** Headers every response carries; set once per worker at start. */
let commonHeaders: Array<[string, string]> = [];

export function setCommonHeaders(headers: Record<string, string>): void {
  commonHeaders = Object.entries(headers);
}

export type Headers = Record<string, string> | undefined;

export class Reply {
  /** True once the client went away; nothing more may be written. */
  aborted = false;
  private finished = false;
  private streaming = false;
  private pressured = false;
  private pendingBytes = 0;
  private readonly abortHandlers: Array<() => void> = [];
  /** Runs once when the response is over, however it ended (edge limits release their slot here). */
  private settled: (() => void) | undefined;

  constructor(private readonly res: HttpResponse) {
    res.onAborted(() => {
      this.aborted = true;
      this.finished = true;
      this.settle();
      for (const handler of this.abortHandlers.splice(0)) handler();
    });
  }

  get done(): boolean {
    return this.finished;
  }

  get isStreaming(): boolean {
    return this.streaming;
  }

  /** One callback per reply, run once when it is answered, ended, closed or aborted (at once if it already was). */
  onSettled(handler: () => void): void {
    if (this.finished) handler();
    else this.settled = handler;
  }

  private settle(): void {
    const handler = this.settled;
    this.settled = undefined;
    handler?.();
  }

  onAbort(handler: () => void): void {
    if (this.aborted) handler();
    else this.abortHandlers.push(handler);
  }

  json(status: number, body: string, headers?: Headers): void {
    this.finish(status, body, { 'content-type': 'application/json', ...headers });
  }

  empty(status: number, headers?: Headers): void {
    this.finish(status, undefined, headers);
  }

  text(status: number, body: string, contentType = 'text/plain; charset=utf-8', headers?: Headers): void {
    this.finish(status, body, { 'content-type': contentType, ...headers });
  }

  /** Starts an SSE response; subsequent write() calls send events. */
  startSse(headers?: Headers): void {
    if (this.finished || this.streaming) return;
    this.streaming = true;
    this.res.cork(() => {
      this.res.writeStatus('200 OK');
      this.writeHeaders({
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        ...headers,
      });
      // Flush the head now so the client sees the stream open before the first event: uWS sends
      // nothing for an empty write, so a quiet GET stream stayed unopened until the first
      // keep-alive. An SSE comment carries no event, and every reader skips it.
      this.res.write(SSE_KEEPALIVE);
    });
  }

  /** Bytes written that uWS still holds for a slow reader (0 while the reader keeps up). */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Writes raw SSE text; false when the stream is gone or the reader fell too
   * far behind (then it is closed). A `final` chunk (a request's response) is
   * never the reason for closing: it is bounded by its transport's limits,
   * and the notifications before it stop queueing at
   * STREAM_NOTIFY_MAX_BUFFERED_BYTES, so dropping the stream for it would
   * lose the one message that must arrive.
   */
  write(chunk: string, final = false): boolean {
    if (this.finished || !this.streaming) return false;
    chunk = restoreRawIds(chunk);
    let ok = true;
    this.res.cork(() => {
      ok = this.res.write(chunk);
    });
    if (!ok) {
      this.pendingBytes += Buffer.byteLength(chunk);
      if (!final && this.pendingBytes > SSE_MAX_BUFFERED_BYTES) {
        this.close();
        return false;
      }
      if (!this.pressured) {
        this.pressured = true;
        this.res.onWritable(() => {
          this.pressured = false;
          this.pendingBytes = 0;
          return true;
        });
      }
    }
    return true;
  }

  /** Ends an SSE stream (optionally with a last chunk). */
  end(chunk?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.settle();
    this.res.cork(() => {
      if (chunk !== undefined) this.res.end(restoreRawIds(chunk));
      else this.res.end();
    });
  }

  /** Drops the connection; used for overflowing readers and shutdown. */
  close(): void {
    if (this.finished) return;
    this.finished = true;
    this.settle();
    this.res.close();
  }

  private finish(status: number, body: string | undefined, headers: Headers): void {
    if (this.finished) return;
    this.finished = true;
    this.settle();
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      this.writeHeaders(headers);
      if (body === undefined) this.res.endWithoutBody(0);
      // Every JSON-RPC message to a client leaves through here: ids kept as raw text go back as the numbers they were.
      else this.res.end(restoreRawIds(body));
    });
  }

  private writeHeaders(headers: Headers): void {
    for (const [k, v] of commonHeaders) this.res.writeHeader(k, v);
    if (headers) for (const k in headers) this.res.writeHeader(k, headers[k]!);
  }
}
