/**
 * An HTTP response fed from a session's event log and bus rather than by a
 * local producer: a stream resumed with Last-Event-ID (on whichever worker
 * the GET landed), or the session's standalone stream, whose events come
 * from any worker.
 *
 * Live events that arrive while the replay is being read are held back and
 * then passed through only if they come after the last replayed event, so
 * the client sees nothing twice and misses nothing.
 */
import { encodeEvent, encodePriming, SSE_KEEPALIVE } from '../../mcp/sse.js';
import { comparePositions, parseEventId, type StoredEvent } from '../../state/store.js';
import type { Reply } from '../http/reply.js';

export class StreamAttachment {
  private replaying = true;
  private held: StoredEvent[] = [];
  private last: string | undefined;
  private readonly closeHandlers: Array<() => void> = [];
  /** True once a JSON-RPC response was written: the end of a resumed POST stream. */
  sawFinalResponse = false;

  constructor(
    readonly streamId: string,
    private readonly reply: Reply,
    after: string | undefined,
    /** A resumed POST stream ends with its response; the standalone stream never does. */
    private readonly endOnResponse = false,
  ) {
    this.last = after === undefined ? undefined : parseEventId(after)?.position;
  }

  get open(): boolean {
    return !this.reply.done;
  }

  /** Writes the replayed events, then whatever arrived live meanwhile. */
  replay(events: StoredEvent[]): void {
    for (const e of events) this.write(e);
    this.replaying = false;
    const held = this.held;
    this.held = [];
    for (const e of held) this.write(e);
  }

  /** A live event of this stream from the bus. */
  live(event: StoredEvent): void {
    if (this.replaying) this.held.push(event);
    else this.write(event);
  }

  keepAlive(): void {
    this.reply.write(SSE_KEEPALIVE);
  }

  /** Runs once when the stream ends, whether the client went away or the stream ended itself. */
  onClose(handler: () => void): void {
    this.closeHandlers.push(handler);
    this.reply.onAbort(() => this.closed());
  }

  close(): void {
    this.reply.end();
    this.closed();
  }

  private closed(): void {
    for (const handler of this.closeHandlers.splice(0)) handler();
  }

  private write(event: StoredEvent): void {
    const position = parseEventId(event.id)?.position;
    if (position !== undefined && this.last !== undefined && comparePositions(position, this.last) <= 0) return;
    if (position !== undefined) this.last = position;
    this.reply.write(event.data === '' ? encodePriming(event.id) : encodeEvent(event.data, event.id));
    if (isResponse(event.data)) {
      this.sawFinalResponse = true;
      if (this.endOnResponse && !this.replaying) this.close();
    }
  }
}

/** A JSON-RPC response (not a request or notification) ends a request's stream. */
function isResponse(data: string): boolean {
  return data.startsWith('{') && !data.includes('"method":') && (data.includes('"result":') || data.includes('"error":'));
}
