/**
 * An HTTP/1.1 response parser for the gateway's own backend client: bytes in,
 * head and body chunks out, one response after another on a keep-alive
 * connection. It reads what RFC 9112 says a client must (status line, header
 * fields, Content-Length, chunked transfer coding with extensions and
 * trailers, read-until-close bodies, 1xx interim responses, bodiless
 * statuses) and refuses what it must not accept (obsolete line folding,
 * conflicting or invalid lengths, oversized heads), so a broken or hostile
 * backend fails its own call and never the worker.
 */

/** Largest response head (status line and header fields) accepted. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Largest chunk-size line (with extensions) accepted. */
const MAX_CHUNK_LINE_BYTES = 4 * 1024;

export type ResponseHeaders = Record<string, string | string[]>;

export interface ResponseEvents {
  /** A final (non-1xx) response head. */
  head(status: number, headers: ResponseHeaders): void;
  data(chunk: Buffer): void;
  /** The response is complete; `keepAlive` says whether the connection may carry another. */
  end(keepAlive: boolean): void;
}

export class ResponseParseError extends Error {
  constructor(message: string) {
    super(`invalid HTTP response from the backend: ${message}`);
    this.name = 'ResponseParseError';
  }
}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close' | 'done';

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BODILESS = (status: number) => status === 204 || status === 304;
const LENGTH = /^\d{1,15}$/;

/** A Content-Length, given once or repeated with the same value (RFC 9110 allows both); anything else is refused. */
function contentLength(field: string | string[]): number {
  if (typeof field === 'string' && LENGTH.test(field)) return Number(field);
  const values = new Set((Array.isArray(field) ? field : [field]).flatMap((v) => v.split(',').map((x) => x.trim())));
  const only = values.size === 1 ? [...values][0]! : '';
  if (!LENGTH.test(only)) throw new ResponseParseError(`bad or conflicting content-length "${String(field).slice(0, 40)}"`);
  return Number(only);
}

export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer | undefined;
  private remaining = 0;
  private keepAlive = true;
  /** No body follows: the request was a HEAD (not sent by the gateway, kept for completeness). */
  private headRequest = false;

  constructor(private readonly events: ResponseEvents) {}

  /** Prepares for the response to the next request on this connection. */
  expect(method: string): void {
    this.state = 'head';
    this.headRequest = method === 'HEAD';
  }

  /** Feeds bytes from the socket; throws ResponseParseError on a malformed response. */
  push(input: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, input]) : input;
    this.pending = undefined;
    while (buf.length > 0) {
      switch (this.state) {
        case 'head': {
          const end = this.find(buf, HEAD_END, MAX_HEAD_BYTES, 'head');
          if (end < 0) return;
          this.onHead(buf.toString('latin1', 0, end));
          buf = buf.subarray(end + 4);
          break;
        }
        case 'length':
          buf = this.take(buf);
          if (this.remaining === 0) this.finish();
          break;
        case 'chunk-size': {
          const end = this.find(buf, CRLF, MAX_CHUNK_LINE_BYTES, 'chunk-size line');
          if (end < 0) return;
          const line = buf.toString('latin1', 0, end);
          const size = line.split(';', 1)[0]!.trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new ResponseParseError(`bad chunk size "${line.slice(0, 40)}"`);
          this.remaining = parseInt(size, 16);
          this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
          buf = buf.subarray(end + 2);
          break;
        }
        case 'chunk-data':
          buf = this.take(buf);
          if (this.remaining === 0) this.state = 'chunk-crlf';
          break;
        case 'chunk-crlf': {
          if (buf.length < 2) {
            this.pending = buf;
            return;
          }
          if (buf[0] !== 0x0d || buf[1] !== 0x0a) throw new ResponseParseError('chunk not followed by CRLF');
          this.state = 'chunk-size';
          buf = buf.subarray(2);
          break;
        }
        case 'trailers': {
          // Trailer fields end with an empty line; the gateway reads none of them.
          const end = this.find(buf, CRLF, MAX_HEAD_BYTES, 'trailer line');
          if (end < 0) return;
          buf = buf.subarray(end + 2);
          if (end === 0) this.finish();
          break;
        }
        case 'until-close':
          this.events.data(buf);
          return;
        case 'done':
          throw new ResponseParseError('bytes after the end of the response');
      }
    }
  }

  /** The connection closed; true when that ended a read-until-close body (a clean end). */
  closed(): boolean {
    if (this.state !== 'until-close') return false;
    this.state = 'done';
    this.events.end(false);
    return true;
  }

  private onHead(text: string): void {
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = text.length;
    const m = STATUS_LINE.exec(text.slice(0, eol));
    if (!m) throw new ResponseParseError(`bad status line "${text.slice(0, Math.min(eol, 60))}"`);
    const http10 = m[1] === '0';
    const status = Number(m[2]);
    const headers: ResponseHeaders = {};
    while (eol < text.length) {
      const start = eol + 2;
      eol = text.indexOf('\r\n', start);
      if (eol < 0) eol = text.length;
      const first = text.charCodeAt(start);
      if (first === 0x20 || first === 0x09) throw new ResponseParseError('obsolete header line folding');
      const colon = text.indexOf(':', start);
      const name = colon > start && colon < eol ? text.slice(start, colon).toLowerCase() : '';
      if (!FIELD_NAME.test(name)) throw new ResponseParseError(`bad header line "${text.slice(start, Math.min(eol, start + 60))}"`);
      const value = text.slice(colon + 1, eol).trim();
      const had = headers[name];
      headers[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
    }
    // 1xx: an interim response; the final one follows on the same connection.
    if (status < 200) return;
    const connection = headers.connection;
    this.keepAlive = connection === undefined ? !http10 : http10 ? /keep-alive/i.test(String(connection)) : !/close/i.test(String(connection));
    this.events.head(status, headers);
    if (this.headRequest || BODILESS(status)) return this.finish();
    const te = headers['transfer-encoding'];
    if (te !== undefined) {
      if (!/chunked\s*$/i.test(String(te))) {
        this.state = 'until-close';
        this.keepAlive = false;
        return;
      }
      this.state = 'chunk-size';
      return;
    }
    const cl = headers['content-length'];
    if (cl !== undefined) {
      this.remaining = contentLength(cl);
      if (this.remaining === 0) return this.finish();
      this.state = 'length';
      return;
    }
    this.state = 'until-close';
    this.keepAlive = false;
  }

  /**
   * Where `marker` starts in `buf`, within `cap` bytes; -1 when it has not
   * arrived yet (the bytes are kept for the next push).
   */
  private find(buf: Buffer, marker: Buffer, cap: number, what: string): number {
    const at = buf.indexOf(marker);
    if (at > cap || (at < 0 && buf.length > cap)) throw new ResponseParseError(`${what} larger than ${cap} bytes`);
    if (at < 0) this.pending = buf;
    return at;
  }

  /** Passes on up to `remaining` body bytes; returns what follows them. */
  private take(buf: Buffer): Buffer {
    const n = Math.min(this.remaining, buf.length);
    this.remaining -= n;
    this.events.data(buf.subarray(0, n));
    return buf.subarray(n);
  }

  private finish(): void {
    this.state = 'done';
    this.events.end(this.keepAlive);
  }
}
