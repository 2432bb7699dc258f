/**
 * One JSON-RPC POST to a Streamable HTTP backend, answered with JSON, with an
 * SSE stream scoped to the request, or with 202 for notifications/responses.
 * Messages that arrive on the stream before the final response (progress,
 * logs, backend-to-client requests) go to `onMessage`.
 *
 * The body arrives as chunks into one handler object (no Readable stream per
 * call), and a call is cancelled through PostRequest.abort() without any
 * AbortController: this is every tools/call's path to an HTTP backend.
 */
import { JsonLimitError, parseJson } from '../../mcp/json-limits.js';
import { TextDecoder } from 'node:util';
import type { H1Pool } from './h1/h1-pool.js';
import type { H1Exchange, H1Handler } from './h1/h1-request.js';
import type { ResponseHeaders } from './h1/response-parser.js';
import { GatewayError, UNSENT } from '../../mcp/errors.js';
import { classify, type JsonRpcId, type JsonRpcMessage, type JsonRpcResponse } from '../../mcp/jsonrpc.js';
import { SseDecoder } from '../../mcp/sse.js';

/** Bytes of a non-MCP error body quoted in the gateway's error message. */
const ERROR_BODY_QUOTE_CHARS = 300;
/** Largest JSON body accepted from a backend; a larger one fails the call rather than the worker. */
export const MAX_BACKEND_BODY_BYTES = 64 * 1024 * 1024;
/**
 * After the final response of an SSE answer the rest of the stream is read
 * and ignored for this long, so the connection goes back to the pool; a
 * backend that keeps the stream open past it has the connection closed.
 */
export const SSE_DRAIN_GRACE_MS = 1_000;

export interface PostOutcome {
  status: number;
  headers: ResponseHeaders;
  /** The final response for `expectId`, when the body carried one. */
  response: JsonRpcResponse | undefined;
  /** The body text of a non-2xx answer without a JSON-RPC error, for diagnostics. */
  text: string | undefined;
}

export interface PostOptions {
  path: string;
  headers: Record<string, string>;
  body: string;
  expectId: JsonRpcId | undefined;
  onMessage?: ((message: JsonRpcMessage) => void) | undefined;
}

export interface PostRequest {
  readonly outcome: Promise<PostOutcome>;
  /** Abandons the request (the connection is closed); the outcome rejects as cancelled. */
  abort(): void;
}

/** Starts a POST; the caller may abort it (deadline, client cancellation). */
export function startPost(pool: H1Pool, options: PostOptions): PostRequest {
  const handler = new PostHandler(options);
  handler.exchange = pool.request({ method: 'POST', path: options.path, headers: options.headers, body: options.body }, handler);
  return handler;
}

/** startPost for callers that cancel with an AbortSignal (handshakes, answers; not the hot path). */
export function postMessage(pool: H1Pool, options: PostOptions & { signal?: AbortSignal | undefined }): Promise<PostOutcome> {
  const request = startPost(pool, options);
  const signal = options.signal;
  if (!signal) return request.outcome;
  if (signal.aborted) request.abort();
  const onAbort = () => request.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return request.outcome.finally(() => signal.removeEventListener('abort', onAbort));
}

class PostHandler implements H1Handler, PostRequest {
  readonly outcome: Promise<PostOutcome>;
  exchange: H1Exchange | undefined;
  private settle!: (outcome: PostOutcome) => void;
  private reject!: (err: unknown) => void;
  private settled = false;
  private aborted = false;
  private result: PostOutcome = { status: 0, headers: {}, response: undefined, text: undefined };
  private sse: SseDecoder | undefined;
  private decoder: TextDecoder | undefined;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PostOptions) {
    this.outcome = new Promise<PostOutcome>((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    clearTimeout(this.drainTimer);
    this.fail(abortError());
    this.exchange?.abort();
  }

  response(status: number, headers: ResponseHeaders): void {
    this.result = { status, headers, response: undefined, text: undefined };
    if (status === 202 || status === 204) return;
    if (String(headers['content-type'] ?? '').includes('text/event-stream')) {
      this.decoder = new TextDecoder('utf-8');
      this.sse = new SseDecoder((event) => this.onEvent(event.data));
    }
  }

  data(chunk: Buffer): void {
    if (this.sse) {
      try {
        this.sse.push(this.decoder!.decode(chunk, { stream: true }));
      } catch (err) {
        this.fail(err);
        this.exchange?.abort();
      }
      return;
    }
    if (this.result.status === 202 || this.result.status === 204) return;
    this.bytes += chunk.length;
    if (this.bytes > MAX_BACKEND_BODY_BYTES) {
      this.fail(new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend answered with a body over ${MAX_BACKEND_BODY_BYTES} bytes`));
      this.exchange?.abort();
      return;
    }
    this.chunks.push(chunk);
  }

  end(): void {
    clearTimeout(this.drainTimer);
    if (this.settled) return;
    if (this.sse || this.result.status === 202 || this.result.status === 204) return this.done();
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    const contentType = String(this.result.headers['content-type'] ?? '');
    if (contentType.includes('application/json') || text.startsWith('{')) {
      try {
        const c = classify(parseJson(text));
        if (c.kind === 'response' && (c.message.id === this.options.expectId || c.message.id === null)) {
          this.result.response = c.message;
          return this.done();
        }
      } catch (err) {
        if (err instanceof JsonLimitError) return this.fail(err.toGatewayError('GW_ERR_BACKEND_LIMIT', 'the backend\'s answer was refused: '));
        // Not JSON after all: reported as text below.
      }
    }
    this.result.text = text.slice(0, ERROR_BODY_QUOTE_CHARS);
    this.done();
  }

  error(err: Error): void {
    clearTimeout(this.drainTimer);
    this.fail(this.aborted ? abortError() : err);
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(connectionError(err));
  }

  private onEvent(data: string): void {
    if (this.settled || data.trim() === '') return;
    let value: unknown;
    try {
      value = parseJson(data, true);
    } catch (err) {
      // An answer past a limit fails the call now (a backend fault); anything else past it is dropped.
      if (err instanceof JsonLimitError && err.isResponse()) this.fail(err.toGatewayError('GW_ERR_BACKEND_LIMIT', 'the backend\'s answer was refused: '));
      return;
    }
    const c = classify(value);
    if (c.kind === 'response' && (this.options.expectId === undefined || c.message.id === this.options.expectId)) {
      this.result.response = c.message;
      this.done();
      // The rest of the stream carries nothing for this call: read it for the connection's sake, briefly.
      this.drainTimer = setTimeout(() => this.exchange?.abort(), SSE_DRAIN_GRACE_MS);
      this.drainTimer.unref();
      return;
    }
    if (c.kind !== 'invalid') this.options.onMessage?.(c.message);
  }

  private done(): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(this.result);
  }
}

function abortError(): Error {
  const err = new Error('request aborted');
  err.name = 'AbortError';
  return err;
}

function connectionError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { name?: string; code?: string; message?: string; unsent?: boolean };
  if (e.name === 'AbortError') return new GatewayError('GW_ERR_INTERNAL', 'request aborted', { cancelled: true });
  // `unsent`: nothing reached the backend, so another replica may take the request, whatever it is.
  return new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend connection failed: ${e.code ?? e.name ?? 'error'} ${e.message ?? ''}`.trim(), e.unsent === true ? UNSENT : undefined);
}
