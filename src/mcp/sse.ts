/**
 * Server-Sent Events: the encoder for streams we write and an incremental
 * decoder for streams we read from backends (Streamable HTTP responses and
 * legacy HTTP+SSE). The decoder follows the WHATWG event-stream grammar:
 * CR, LF or CRLF line ends, multi-line `data`, comments, `retry`.
 */

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/** One event as wire text. `data` must not contain raw newlines (JSON.stringify output never does). */
export function encodeEvent(data: string, id?: string, event = 'message'): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `${idLine}event: ${event}\ndata: ${data}\n\n`;
}

/** A priming event: an id and empty data, so a client can resume before the first real message. */
export function encodePriming(id: string, retryMs?: number): string {
  const retry = retryMs === undefined ? '' : `retry: ${retryMs}\n`;
  return `id: ${id}\n${retry}data: \n\n`;
}

export const SSE_KEEPALIVE = ':\n\n';

/** Largest single event we accept from a backend before dropping the connection. */
export const MAX_SSE_EVENT_BYTES = 16 * 1024 * 1024;

export class SseDecoder {
  private buffer = '';
  private data: string[] = [];
  private id: string | undefined;
  private event: string | undefined;
  private retry: number | undefined;
  private pendingBytes = 0;

  constructor(private readonly onEvent: (event: SseEvent) => void, private readonly maxEventBytes = MAX_SSE_EVENT_BYTES) {}

  /** Feeds decoded text; throws when one event outgrows the cap. */
  push(chunk: string): void {
    this.buffer += chunk;
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > this.maxEventBytes) throw new Error(`SSE event larger than ${this.maxEventBytes} bytes`);
    let start = 0;
    for (;;) {
      const lf = this.buffer.indexOf('\n', start);
      const cr = this.buffer.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A lone CR at the very end may be half of a CRLF; wait for more.
        if (cr === this.buffer.length - 1) break;
        end = cr;
        next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      this.line(this.buffer.slice(start, end));
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    this.pendingBytes = this.buffer.length + this.data.reduce((n, d) => n + d.length, 0);
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'event':
        this.event = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
  }

  private dispatch(): void {
    if (this.data.length === 0 && this.retry === undefined) {
      this.event = undefined;
      return;
    }
    const event: SseEvent = { data: this.data.join('\n') };
    if (this.id !== undefined) event.id = this.id;
    if (this.event !== undefined) event.event = this.event;
    if (this.retry !== undefined) event.retry = this.retry;
    this.data = [];
    this.event = undefined;
    this.retry = undefined;
    this.onEvent(event);
  }
}
