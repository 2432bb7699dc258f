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
  private dataBytes = 0;
  private id: string | undefined;
  private event: string | undefined;
  private retry: number | undefined;
  /** The previous chunk ended with CR: an LF at the start of this one is the same line break. */
  private skipLf = false;

  constructor(private readonly onEvent: (event: SseEvent) => void, private readonly maxEventBytes = MAX_SSE_EVENT_BYTES) {}

  /** Feeds decoded text; throws when one event (or one unterminated line) outgrows the cap. */
  push(chunk: string): void {
    let text = this.buffer + chunk;
    if (this.skipLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLf = false;
    let start = 0;
    for (;;) {
      const lf = text.indexOf('\n', start);
      const cr = text.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr === text.length - 1) {
          // A CR ends the line now; an LF arriving next belongs to it.
          next = cr + 1;
          this.skipLf = true;
        } else {
          next = text[cr + 1] === '\n' ? cr + 2 : cr + 1;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      this.line(text.slice(start, end));
      start = next;
    }
    this.buffer = text.slice(start);
    if (this.buffer.length + this.dataBytes > this.maxEventBytes) throw new Error(`SSE event larger than ${this.maxEventBytes} bytes`);
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
        this.dataBytes += value.length;
        if (this.dataBytes > this.maxEventBytes) throw new Error(`SSE event larger than ${this.maxEventBytes} bytes`);
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
    this.dataBytes = 0;
    this.event = undefined;
    this.retry = undefined;
    this.onEvent(event);
  }
}
