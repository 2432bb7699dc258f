/**
 * A stream this worker produces: the SSE answer to one POST, or a modern
 * request's stream, or a subscriptions/listen stream.
 *
 * Events are written to the attached HTTP response at once. For 2025-era
 * sessions each is also appended to the session's event log and published
 * on its channel (one atomic store call, not awaited on the write path), so
 * if the connection drops, a GET with Last-Event-ID on any worker replays
 * the log and then follows the live events. Event ids are
 * `<streamId>_<position>`; this worker is the stream's only producer, so
 * positions are its own counter. Writes keep their order.
 */
import { randomBytes } from 'node:crypto';
import { encodeEvent, encodePriming } from '../../mcp/sse.js';
import { encodeMessage } from '../../mcp/shared-result.js';
import type { JsonObject, JsonRpcMessage } from '../../mcp/jsonrpc.js';
import type { Reply } from '../http/reply.js';
import type { StateStore } from '../../state/store.js';
import type { Logger } from '../../observe/log.js';
import { SSE_MAX_BUFFERED_BYTES, STREAM_NOTIFY_MAX_BUFFERED_BYTES } from '../../config/defaults.js';

/** Notifications a full stream drops (counted) first: they report, they do not answer. */
const DROPPABLE = new Set(['notifications/progress', 'notifications/message']);

export function droppable(message: JsonObject | JsonRpcMessage): boolean {
  return !('id' in message) && typeof message.method === 'string' && DROPPABLE.has(message.method);
}

/**
 * Whether a stream `backlogBytes` behind drops `message`: progress and log
 * notifications past STREAM_NOTIFY_MAX_BUFFERED_BYTES; any other
 * notification (list changes, resource updates: a backend could flood those
 * too) past SSE_MAX_BUFFERED_BYTES. Responses and requests never: each is
 * bounded by its transport, and losing one would break a call.
 */
export function dropsAt(message: JsonObject | JsonRpcMessage, backlogBytes: number): boolean {
  if (backlogBytes <= STREAM_NOTIFY_MAX_BUFFERED_BYTES || 'id' in message) return false;
  return droppable(message) || backlogBytes > SSE_MAX_BUFFERED_BYTES;
}

function isResponse(message: JsonObject | JsonRpcMessage): boolean {
  return 'id' in message && ('result' in message || 'error' in message);
}

export function newStreamId(): string {
  return randomBytes(6).toString('base64url');
}

export interface Persistence {
  store: StateStore;
  sessionId: string;
  logger: Logger;
}

export class ProducerStream {
  private reply: Reply | undefined;
  private position = 0;
  private ended = false;
  /** Bytes handed to the event log and not yet confirmed: Redis slower than the backend must not queue without end. */
  private loggingBytes = 0;
  private readonly endHandlers: Array<() => void> = [];

  constructor(
    readonly id: string,
    /** Where events are logged for resumption; undefined for streams that cannot resume (2026-07-28). */
    private readonly persistence: Persistence | undefined,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Starts the SSE response; resumable streams open with an id-only priming event. */
  attach(reply: Reply, priming: boolean): void {
    this.reply = reply;
    reply.startSse();
    reply.onAbort(() => {
      if (this.reply === reply) this.reply = undefined;
    });
    if (priming && this.persistence) this.emit('', true);
  }

  /**
   * Writes one message; a notification the stream is too far behind for
   * is dropped (false: see dropsAt), and the caller counts it
   * (only1mcp_dropped_notifications_total).
   */
  send(message: JsonObject | JsonRpcMessage): boolean {
    if (this.ended) return false;
    if (dropsAt(message, this.backlogBytes())) return false;
    this.emit(encodeMessage(message), false, isResponse(message));
    return true;
  }

  /** What this stream holds for its reader and its event log. */
  backlogBytes(): number {
    return (this.reply?.backlogBytes ?? 0) + this.loggingBytes;
  }

  /** A raw SSE chunk (keep-alive comment); not logged. */
  raw(chunk: string): void {
    this.reply?.write(chunk);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.reply?.end();
    this.reply = undefined;
    for (const handler of this.endHandlers.splice(0)) handler();
  }

  onEnd(handler: () => void): void {
    if (this.ended) handler();
    else this.endHandlers.push(handler);
  }

  private emit(data: string, primingEvent: boolean, final = false): void {
    const position = this.position++;
    const id = this.persistence ? `${this.id}_${position}` : undefined;
    this.reply?.write(primingEvent ? encodePriming(id!) : encodeEvent(data, id), final);
    const p = this.persistence;
    if (p) {
      // String length, not bytes: cheap, and within a factor the bound allows for.
      const size = data.length;
      this.loggingBytes += size;
      p.store
        .appendEvent(p.sessionId, this.id, data, position)
        .catch((err: unknown) => {
          // The live write happened; only resumption of this event on another worker is lost.
          p.logger.debug({ session: p.sessionId, stream: this.id, err: String(err) }, 'event not logged for resumption');
        })
        .finally(() => {
          this.loggingBytes -= size;
        });
    }
  }
}
