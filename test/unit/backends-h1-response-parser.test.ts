import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, ResponseParser, type ResponseHeaders } from '../../src/backends/http/h1/response-parser.js';

interface Seen {
  status?: number;
  headers?: ResponseHeaders;
  chunks: Buffer[];
  readonly body: string;
  ends: boolean[];
}

function parser(method = 'POST'): { p: ResponseParser; seen: Seen } {
  const seen: Seen = {
    chunks: [],
    ends: [],
    get body() {
      return Buffer.concat(this.chunks).toString('utf8');
    },
  };
  const p = new ResponseParser({
    head: (status, headers) => {
      seen.status = status;
      seen.headers = headers;
    },
    data: (chunk) => seen.chunks.push(Buffer.from(chunk)),
    end: (keepAlive) => seen.ends.push(keepAlive),
  });
  p.expect(method);
  return { p, seen };
}

/** Feeds `text` one byte at a time: every state must survive any cut. */
function feedBytewise(p: ResponseParser, text: string): void {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i++) p.push(bytes.subarray(i, i + 1));
}

describe('ResponseParser', () => {
  it('reads a Content-Length body, whole or cut anywhere', () => {
    const wire = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":"✓"}';
    for (const feed of [(p: ResponseParser) => p.push(Buffer.from(wire)), (p: ResponseParser) => feedBytewise(p, wire)]) {
      const { p, seen } = parser();
      feed(p);
      expect(seen.status).toBe(200);
      expect(seen.headers?.['content-type']).toBe('application/json');
      expect(seen.body).toBe('{"a":"✓"}');
      expect(seen.ends).toEqual([true]);
    }
  });

  it('reads chunked bodies with extensions and trailers, cut anywhere', () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n';
    const { p, seen } = parser();
    feedBytewise(p, wire);
    expect(seen.body).toBe('hello world');
    expect(seen.ends).toEqual([true]);
  });

  it('skips 1xx interim responses and reads the final one', () => {
    const { p, seen } = parser();
    p.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok'));
    expect(seen.status).toBe(201);
    expect(seen.body).toBe('ok');
  });

  it('ends bodiless statuses at the head, and zero-length bodies at once', () => {
    for (const wire of ['HTTP/1.1 204 No Content\r\n\r\n', 'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n']) {
      const { p, seen } = parser();
      p.push(Buffer.from(wire));
      expect(seen.ends).toEqual([true]);
    }
  });

  it('reads a body without length until the connection closes, and never reuses that connection', () => {
    const { p, seen } = parser();
    p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n'));
    p.push(Buffer.from('data: 2\n\n'));
    expect(seen.ends).toEqual([]);
    expect(p.closed()).toBe(true);
    expect(seen.body).toBe('data: 1\n\ndata: 2\n\n');
    expect(seen.ends).toEqual([false]);
  });

  it('keeps the connection per Connection and the HTTP version', () => {
    const close = parser();
    close.p.push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    expect(close.seen.ends).toEqual([false]);
    const old = parser();
    old.p.push(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    expect(old.seen.ends).toEqual([false]);
    const oldKept = parser();
    oldKept.p.push(Buffer.from('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'));
    expect(oldKept.seen.ends).toEqual([true]);
  });

  it('collects repeated header fields', () => {
    const { p, seen } = parser();
    p.push(Buffer.from('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n'));
    expect(seen.headers?.['set-cookie']).toEqual(['a=1', 'b=2']);
  });

  it('takes repeated identical lengths, refuses conflicting or invalid ones', () => {
    const same = parser();
    same.p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok'));
    expect(same.seen.body).toBe('ok');
    for (const cl of ['Content-Length: 2\r\nContent-Length: 3', 'Content-Length: -1', 'Content-Length: 1e3', 'Content-Length: 2, 3']) {
      const { p } = parser();
      expect(() => p.push(Buffer.from(`HTTP/1.1 200 OK\r\n${cl}\r\n\r\n`))).toThrow(/content-length/);
    }
  });

  it('refuses malformed responses with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['HTTP/2 200 OK\r\n\r\n', /bad status line/],
      ['HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n', /folding/],
      ['HTTP/1.1 200 OK\r\nBad Header: 1\r\n\r\n', /bad header line/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY', /CRLF/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab', /after the end/],
      [`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;${'x'.repeat(5000)}`, /chunk-size line larger than/],
    ];
    for (const [wire, reason] of cases) {
      const { p } = parser();
      expect(() => p.push(Buffer.from(wire)), wire).toThrow(reason);
    }
  });

  it('refuses a head that never ends within the cap', () => {
    const { p } = parser();
    expect(() => p.push(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}`))).toThrow(/head larger than/);
  });

  it('reads no body after a HEAD request', () => {
    const { p, seen } = parser('HEAD');
    p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'));
    expect(seen.ends).toEqual([true]);
  });
});
