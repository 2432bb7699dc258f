/**
 * The gateway's HTTP/1.1 client for backends: a pool of keep-alive
 * connections (TCP or TLS) to one origin, one request at a time on each.
 *
 * Why not undici: every tools/call to an HTTP backend crosses this client,
 * and measured on the same machine, a minimal keep-alive client spends half
 * the CPU per request that undici's dispatch() does (14 against 29 µs), the
 * largest single cost left in a worker's call path. What the gateway needs
 * of a client is small — POST and GET with string bodies, streamed response
 * bodies (SSE), keep-alive, TLS, cancellation — and what it must get right
 * (framing, header injection, stale connections, bounded buffers) is kept
 * in this file, h1-connection.ts and response-parser.ts, with tests against
 * real servers.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Connection, fail, type Pending } from './h1-connection.js';
import { H1ClientError, type H1Exchange, type H1Handler, type H1Request } from './h1-request.js';

/** Idle connections are closed after this long (shorter when the server announces a shorter keep-alive). */
export const KEEPALIVE_IDLE_MS = 30_000;
/** Requests waiting for a free connection beyond this many are refused (the backend is far behind). */
export const MAX_QUEUED_REQUESTS = 10_000;

export class H1Pool {
  private readonly secure: boolean;
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly idle: Connection[] = [];
  private readonly queue: Pending[] = [];
  private readonly busy = new Set<Connection>();
  private open = 0;
  private closed = false;

  constructor(
    origin: string,
    private readonly maxConnections: number,
    private readonly idleMs = KEEPALIVE_IDLE_MS,
    /** Extra TLS options for https origins (a private CA); the system's trust store otherwise. */
    private readonly tlsOptions: tls.ConnectionOptions = {},
  ) {
    const url = new URL(origin);
    this.secure = url.protocol === 'https:';
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port) || (this.secure ? 443 : 80);
    this.hostHeader = url.host;
  }

  request(request: H1Request, handler: H1Handler): H1Exchange {
    const p: Pending = { request, head: '', handler, done: false, conn: undefined };
    const exchange = { abort: () => this.abort(p) };
    if (this.closed) {
      fail(p, new H1ClientError('the backend client is closed', 'CLOSED'));
      return exchange;
    }
    try {
      p.head = renderHead(request, this.hostHeader);
    } catch (err) {
      fail(p, err as Error);
      return exchange;
    }
    const conn = this.idle.pop();
    if (conn) conn.send(p);
    else if (this.open < this.maxConnections) this.connect().send(p);
    else if (this.queue.length >= MAX_QUEUED_REQUESTS) fail(p, new H1ClientError(`more than ${MAX_QUEUED_REQUESTS} requests wait for a connection to this backend`, 'QUEUE_FULL'));
    else this.queue.push(p);
    return exchange;
  }

  /** Closes every connection; requests in flight or waiting fail. */
  close(): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) fail(p, new H1ClientError('the backend client is closed', 'CLOSED'));
    for (const conn of this.idle.splice(0)) conn.destroy();
    for (const conn of [...this.busy]) conn.destroy(new H1ClientError('the backend client is closed', 'CLOSED'));
  }

  private connect(): Connection {
    this.open++;
    const socket = this.secure
      ? tls.connect({ ...this.tlsOptions, host: this.host, port: this.port, servername: net.isIP(this.host) ? undefined : this.host, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host: this.host, port: this.port });
    return new Connection(socket, this.secure, {
      free: (conn, keepAliveMs) => this.onFree(conn, keepAliveMs),
      gone: (conn) => this.onGone(conn),
      busy: (conn) => this.busy.add(conn),
    });
  }

  private onFree(conn: Connection, keepAliveMs: number | undefined): void {
    this.busy.delete(conn);
    const next = this.queue.shift();
    if (next) {
      conn.send(next);
      return;
    }
    const idleMs = Math.min(this.idleMs, keepAliveMs ?? Infinity);
    if (this.closed || idleMs <= 0) {
      conn.destroy();
      return;
    }
    conn.rest(idleMs);
    this.idle.push(conn);
  }

  private onGone(conn: Connection): void {
    this.open--;
    this.busy.delete(conn);
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    // A queued request takes the freed slot on a new connection.
    const next = this.queue.shift();
    if (next && !this.closed) this.connect().send(next);
  }

  private abort(p: Pending): void {
    if (p.done) return;
    p.done = true;
    const at = this.queue.indexOf(p);
    if (at >= 0) this.queue.splice(at, 1);
    // The response can no longer be told apart from the next one: the connection goes.
    p.conn?.destroy();
  }
}

/** CR, LF or NUL in a header would let a value start a header of its own (or a request). */
const UNSAFE_HEADER = /[\r\n\0]/;

function renderHead(request: H1Request, hostHeader: string): string {
  if (UNSAFE_HEADER.test(request.path) || request.path.includes(' ') || !request.path.startsWith('/')) {
    throw new H1ClientError(`invalid request path ${JSON.stringify(request.path)}`, 'INVALID_REQUEST');
  }
  let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${hostHeader}\r\n`;
  for (const name in request.headers) {
    const value = request.headers[name]!;
    if (UNSAFE_HEADER.test(name) || UNSAFE_HEADER.test(value) || name.includes(':')) {
      throw new H1ClientError(`header ${JSON.stringify(name)} has a value that cannot be sent (CR, LF or NUL)`, 'INVALID_REQUEST');
    }
    head += `${name}: ${value}\r\n`;
  }
  if (request.body !== undefined) head += `content-length: ${Buffer.byteLength(request.body)}\r\n`;
  return `${head}\r\n`;
}

