/**
 * A logical SSE stream of one session: the response stream of a POST, or
 * the session's standalone (GET) stream.
 *
 * For 2025-era sessions every event is written to the session's event log
 * first, so when the HTTP connection under the stream drops, later events are
 * not lost: a GET with Last-Event-ID re-attaches the stream (on any worker
 * that reaches the same store) and replays what was missed. Writes are
 * chained, so events keep their order even when the log is a round trip away.
 */
import { randomBytes } from 'node:crypto';
import { encodeEvent, encodePriming } from '../../mcp/sse.js';
import type { Reply } from '../http/reply.js';
import type { StateStore } from '../../state/store.js';

export function newStreamId(): string {
  return randomBytes(6).toString('base64url');
}

export interface AttachOptions {
  /** Send an id-only priming event first (SEP-1699, protocol 2025-11-25 onwards). */
  priming: boolean;
  /** The reconnection delay hint sent with the priming event. */
  retryMs?: number;
}

export class OutStream {
  private reply: Reply | undefined;
  private tail: Promise<void> = Promise.resolve();
  private ended = false;
  private onEnd: (() => void) | undefined;

  constructor(
    readonly id: string,
    private readonly sessionId: string | undefined,
    /** The event log, for resumable (2025-era) streams; undefined for modern streams. */
    private readonly store: StateStore | undefined,
  ) {}

  get attached(): boolean {
    return this.reply !== undefined && !this.reply.done;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Attaches an HTTP response, replaying missed events first; a fresh resumable stream starts with a priming event. */
  attach(reply: Reply, replay: Array<{ id: string; data: string }>, options: AttachOptions): void {
    this.reply = reply;
    reply.onAbort(() => {
      if (this.reply === reply) this.reply = undefined;
    });
    const retryMs = options.retryMs;
    if (options.priming && this.store && this.sessionId && replay.length === 0) {
      // Priming: an id before any data (SEP-1699), so a drop before the first message is resumable.
      const sessionId = this.sessionId;
      this.tail = this.tail.then(async () => {
        const id = await this.store!.appendEvent(sessionId, this.id, '');
        reply.write(encodePriming(id, retryMs));
      });
    }
    for (const event of replay) reply.write(event.data === '' ? encodePriming(event.id) : encodeEvent(event.data, event.id));
  }

  /** Sends one JSON-RPC message as an event. */
  send(message: unknown): Promise<void> {
    if (this.ended) return this.tail;
    const data = JSON.stringify(message);
    const store = this.store;
    const sessionId = this.sessionId;
    this.tail = this.tail.then(async () => {
      const id = store && sessionId ? await store.appendEvent(sessionId, this.id, data) : undefined;
      this.reply?.write(encodeEvent(data, id));
    }).catch(() => {
      // A failed log write must not stall the stream; the live write already happened or the client is gone.
    });
    return this.tail;
  }

  /** Writes a raw SSE chunk (keep-alive comments); not logged. */
  raw(chunk: string): void {
    this.reply?.write(chunk);
  }

  /** Ends the stream after everything queued before it has been written. */
  end(): Promise<void> {
    if (this.ended) return this.tail;
    this.ended = true;
    this.tail = this.tail.then(() => {
      this.reply?.end();
      this.reply = undefined;
      this.onEnd?.();
    });
    return this.tail;
  }

  whenEnded(handler: () => void): void {
    this.onEnd = handler;
  }
}
