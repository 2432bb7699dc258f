/**
 * H1Pool against real sockets: raw `net` servers that answer exactly the
 * bytes a test needs (keep-alive, closes, stalls), node:http, and a TLS
 * server with a certificate made for the test.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { H1Pool } from '../../src/backends/http/h1/h1-pool.js';
import type { H1Request } from '../../src/backends/http/h1/h1-request.js';
import type { ResponseHeaders } from '../../src/backends/http/h1/response-parser.js';

interface Result {
  status: number;
  headers: ResponseHeaders;
  body: string;
}

function fetchVia(pool: H1Pool, request: Partial<H1Request> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: ResponseHeaders = {};
    const chunks: Buffer[] = [];
    pool.request(
      { method: 'POST', path: '/mcp', headers: { 'content-type': 'application/json' }, body: '{}', ...request },
      {
        response: (s, h) => {
          status = s;
          headers = h;
        },
        data: (c) => chunks.push(Buffer.from(c)),
        end: () => resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8') }),
        error: reject,
      },
    );
  });
}

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A raw server: `respond` gets each request's head and body and the socket. */
function rawServer(respond: (request: { head: string; body: string }, socket: net.Socket) => void): Promise<{ port: number; sockets: () => number }> {
  let sockets = 0;
  const server = net.createServer((socket) => {
    sockets++;
    let buf = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.toString('utf8', end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        respond({ head, body }, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  closers.push(() => server.close());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, sockets: () => sockets })));
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

function pool(port: number, max = 4, idleMs?: number): H1Pool {
  const p = new H1Pool(`http://127.0.0.1:${port}`, max, idleMs);
  closers.push(() => p.close());
  return p;
}

describe('H1Pool', () => {
  it('sends the request as written, with host and content-length, and keeps the connection alive', async () => {
    const heads: string[] = [];
    const server = await rawServer(({ head, body }, socket) => {
      heads.push(head);
      socket.write(ok(`{"echo":${body}}`));
    });
    const p = pool(server.port);
    for (let i = 0; i < 5; i++) {
      const r = await fetchVia(p, { body: `{"n":${i},"t":"✓"}` });
      expect(JSON.parse(r.body)).toEqual({ echo: { n: i, t: '✓' } });
    }
    expect(server.sockets()).toBe(1);
    expect(heads[0]).toMatch(/^POST \/mcp HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\ncontent-type: application\/json\r\ncontent-length: 17$/);
  });

  it('opens at most its connections and queues the rest', async () => {
    const server = await rawServer((_r, socket) => {
      setTimeout(() => socket.write(ok('{}')), 20);
    });
    const p = pool(server.port, 3);
    const results = await Promise.all(Array.from({ length: 12 }, () => fetchVia(p)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(server.sockets()).toBe(3);
  });

  it('never sends a header value that could start another header or request', async () => {
    const server = await rawServer((_r, socket) => socket.write(ok('{}')));
    const p = pool(server.port);
    await expect(fetchVia(p, { headers: { 'mcp-session-id': 'abc\r\nx-injected: 1' } })).rejects.toThrow(/cannot be sent/);
    await expect(fetchVia(p, { path: '/mcp HTTP/1.1\r\nx: y' })).rejects.toThrow(/invalid request path/);
    expect(server.sockets()).toBe(0);
  });

  it('drops a connection the server closed while idle, and uses a new one', async () => {
    const server = await rawServer((_r, socket) => {
      socket.end(ok('{}')); // answers, then closes (without saying Connection: close)
    });
    const p = pool(server.port);
    expect((await fetchVia(p)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetchVia(p)).status).toBe(200);
    expect(server.sockets()).toBe(2);
  });

  it('closes after Connection: close and after a server-announced keep-alive timeout', async () => {
    const closing = await rawServer((_r, socket) => socket.write(ok('{}', 'connection: close\r\n')));
    const p1 = pool(closing.port);
    await fetchVia(p1);
    await fetchVia(p1);
    expect(closing.sockets()).toBe(2);

    const announcing = await rawServer((_r, socket) => socket.write(ok('{}', 'keep-alive: timeout=1\r\n')));
    const p2 = pool(announcing.port);
    await fetchVia(p2);
    // timeout=1 s minus the safety margin leaves nothing: the next request needs a new connection.
    await new Promise((r) => setTimeout(r, 30));
    await fetchVia(p2);
    expect(announcing.sockets()).toBe(2);
  });

  it('fails the request, not the pool, when the server closes mid-response or sends garbage', async () => {
    let mode = 'cut';
    const server = await rawServer((_r, socket) => {
      if (mode === 'cut') socket.end('HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{"partial"');
      else if (mode === 'garbage') socket.write('SMTP ready\r\n\r\n');
      else socket.write(ok('{"fine":true}'));
    });
    const p = pool(server.port);
    await expect(fetchVia(p)).rejects.toThrow(/closed the connection before the response was complete/);
    mode = 'garbage';
    await expect(fetchVia(p)).rejects.toThrow(/bad status line/);
    mode = 'fine';
    expect(JSON.parse((await fetchVia(p)).body)).toEqual({ fine: true });
  });

  it('aborts a request in flight by closing its connection, and a queued one without sending it', async () => {
    const seen: string[] = [];
    const server = await rawServer(({ body }) => seen.push(body)); // never answers
    const p = pool(server.port, 1);
    const errors: Error[] = [];
    const handler = { response: () => undefined, data: () => undefined, end: () => undefined, error: (e: Error) => errors.push(e) };
    const first = p.request({ method: 'POST', path: '/', headers: {}, body: '"first"' }, handler);
    const second = p.request({ method: 'POST', path: '/', headers: {}, body: '"second"' }, handler);
    await new Promise((r) => setTimeout(r, 50));
    second.abort();
    first.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['"first"']);
    expect(errors).toEqual([]); // the caller that aborts already knows
  });

  it('reports a refused connection, as unsent (nothing reached the server)', async () => {
    const server = await rawServer(() => undefined);
    closers.splice(0).forEach((c) => c()); // nothing listens there any more
    const p = pool(server.port);
    await expect(fetchVia(p)).rejects.toThrow(/ECONNREFUSED/);
    await expect(fetchVia(p)).rejects.toMatchObject({ code: 'ECONNREFUSED', unsent: true });
  });

  it('does not call a request unsent once its connection was established (the server may have acted on it)', async () => {
    const server = await rawServer((_r, socket) => socket.destroy());
    const p = pool(server.port);
    const err = (await fetchVia(p).catch((e: unknown) => e)) as Error & { unsent?: boolean };
    expect(err).toBeInstanceOf(Error);
    expect(err.unsent).not.toBe(true);
  });

  it('streams a chunked SSE body from node:http as it is written', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 30);
    });
    closers.push(() => server.close());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const p = pool((server.address() as AddressInfo).port);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) =>
      p.request({ method: 'GET', path: '/sse', headers: { accept: 'text/event-stream' } }, {
        response: (s, h) => expect([s, h['transfer-encoding']]).toEqual([200, 'chunked']),
        data: (c) => got.push(c.toString()),
        end: resolve,
        error: reject,
      }),
    );
    expect(got).toEqual(['data: one\n\n', 'data: two\n\n']);
  });

  it('speaks TLS, checking the certificate against the trust it is given', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'only1mcp-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const server = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (socket) => {
      socket.once('data', () => socket.write(ok('{"secure":true}')));
    });
    closers.push(() => server.close());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const untrusted = new H1Pool(`https://localhost:${port}`, 1);
    closers.push(() => untrusted.close());
    await expect(fetchVia(untrusted)).rejects.toThrow(/self-signed certificate/);
    const trusted = new H1Pool(`https://localhost:${port}`, 1, undefined, { ca: fs.readFileSync(cert) });
    closers.push(() => trusted.close());
    expect(JSON.parse((await fetchVia(trusted)).body)).toEqual({ secure: true });
  });
});
