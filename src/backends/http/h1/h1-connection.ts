/**
 * One keep-alive connection of an H1Pool: writes a request, feeds the bytes
 * that come back to a ResponseParser, and tells the pool when it is free
 * again or gone. One request at a time (no pipelining): a response's bytes
 * can only belong to the request in flight, and anything else closes it.
 */
import type net from 'node:net';
import { ResponseParser, type ResponseHeaders } from './response-parser.js';
import { H1ClientError, type H1Handler, type H1Request } from './h1-request.js';

/** A connection must be established within this long. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** TCP keep-alive probes on open connections (long-lived SSE streams behind NATs). */
const TCP_KEEPALIVE_MS = 30_000;
/** A server-announced keep-alive timeout is trusted minus this much, so that we close before it does. */
const KEEPALIVE_MARGIN_MS = 1_000;

/** A request from the moment the pool accepts it until its handler heard the end, an error, or an abort. */
export interface Pending {
  request: H1Request;
  /** The request line and header fields, rendered once. */
  head: string;
  handler: H1Handler;
  done: boolean;
  conn: Connection | undefined;
}

/** Tells the handler the request failed, unless it already heard how it ended. */
export function fail(p: Pending, err: Error): void {
  if (p.done) return;
  p.done = true;
  p.handler.error(err);
}

export interface ConnectionEvents {
  /** The response is complete and the connection may carry another request. */
  free(conn: Connection, keepAliveMs: number | undefined): void;
  /** The connection is closed (by either side); it never comes back. */
  gone(conn: Connection): void;
  busy(conn: Connection): void;
}

export class Connection {
  private readonly parser: ResponseParser;
  private current: Pending | undefined;
  private completed = false;
  private reusable = false;
  private keepAliveMs: number | undefined;
  private dead = false;
  private connected = false;

  constructor(private readonly socket: net.Socket, secure: boolean, private readonly events: ConnectionEvents) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      socket.setTimeout(0);
    });
    socket.on('timeout', () => this.destroy(new H1ClientError(this.connected ? 'idle connection expired' : `no connection to the backend within ${CONNECT_TIMEOUT_MS} ms`, this.connected ? 'IDLE' : 'CONNECT_TIMEOUT')));
    this.parser = new ResponseParser({
      head: (status, headers) => {
        this.keepAliveMs = keepAliveOf(headers);
        this.current?.handler.response(status, headers);
      },
      data: (chunk) => this.current?.handler.data(chunk),
      end: (keepAlive) => {
        this.completed = true;
        this.reusable = keepAlive;
      },
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.destroy(err));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onEnd());
  }

  send(p: Pending): void {
    this.current = p;
    p.conn = this;
    this.completed = false;
    this.parser.expect(p.request.method);
    // An idle connection's expiry stops; a new one's connect timeout keeps running.
    if (this.connected) this.socket.setTimeout(0);
    this.events.busy(this);
    // One write: head and body leave in one segment where they fit.
    this.socket.write(p.request.body === undefined ? p.head : p.head + p.request.body);
  }

  /** Parks the connection until its next request or its idle expiry. */
  rest(idleMs: number): void {
    this.socket.setTimeout(idleMs);
  }

  destroy(err?: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    const p = this.current;
    this.current = undefined;
    if (p && !p.done) fail(p, this.connected ? err ?? new H1ClientError('the backend closed the connection before the response was complete', 'SOCKET_CLOSED') : unsent(err));
    this.events.gone(this);
  }

  private onData(chunk: Buffer): void {
    const p = this.current;
    if (!p) {
      this.destroy(); // bytes nobody asked for: the connection's framing cannot be trusted
      return;
    }
    try {
      this.parser.push(chunk);
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    if (!this.completed) return;
    // After push returns: a handler that sends the next request cannot see this response's bytes.
    this.current = undefined;
    if (!p.done) {
      p.done = true;
      p.handler.end();
    }
    if (this.reusable && !this.dead) this.events.free(this, this.keepAliveMs);
    else this.destroy();
  }

  private onEnd(): void {
    if (this.dead) return;
    const p = this.current;
    if (p && this.parser.closed()) {
      // A body that runs until the connection closes has ended cleanly.
      this.current = undefined;
      if (!p.done) {
        p.done = true;
        p.handler.end();
      }
    }
    this.destroy();
  }
}

/**
 * A connection that failed before it was established (refused, unreachable,
 * timed out, TLS refused) carried nothing: the request may go elsewhere
 * whatever it was (the retry policy moves even a non-idempotent call on).
 */
function unsent(err: Error | undefined): H1ClientError {
  const code = (err as { code?: string } | undefined)?.code ?? 'CONNECT_FAILED';
  return new H1ClientError(err?.message ?? 'the connection closed before it was established', code, true);
}

/** `Keep-Alive: timeout=5` → 4,000 ms (the server's figure minus a margin). */
function keepAliveOf(headers: ResponseHeaders): number | undefined {
  const v = headers['keep-alive'];
  if (v === undefined) return undefined;
  const m = /timeout\s*=\s*(\d+)/i.exec(String(v));
  return m ? Math.max(0, Number(m[1]) * 1000 - KEEPALIVE_MARGIN_MS) : undefined;
}
