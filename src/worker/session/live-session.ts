/**
 * The worker-local side of a 2025-era session: streams this worker writes,
 * requests it runs (for notifications/cancelled), requests it sent to the
 * client and awaits answers for, and the resources the session follows.
 * The durable part (SessionRecord) lives in the store; every worker that
 * serves the session listens on the session's bus channel, which is how an
 * answer, a cancellation or a stream event finds the worker that needs it.
 */
import { GatewayError } from '../../mcp/errors.js';
import type { JsonObject, JsonRpcId, JsonRpcResponse } from '../../mcp/jsonrpc.js';
import { UpstreamRpcError } from '../../backends/rpc-connection.js';
import { ProducerStream, dropsAt, newStreamId } from './producer-stream.js';
import { StreamAttachment } from './stream-attachment.js';
import { DEFAULT_CLIENT_ANSWER_TIMEOUT_MS } from '../../config/defaults.js';
import { sessionChannel, type BusMessage, type SessionRecord, type StateStore } from '../../state/store.js';
import type { Logger } from '../../observe/log.js';
import type { Abortable } from '../../gateway/cancellation.js';

interface PendingAsk {
  resolve(result: JsonObject): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

export interface SessionHooks {
  /** Another worker changed the record (log level, initialized). */
  onRecordChanged(session: LiveSession): void;
  /** The session was ended elsewhere (DELETE on another worker). */
  onEndedElsewhere(session: LiveSession): void;
}

export class LiveSession {
  readonly inflight = new Map<JsonRpcId, Abortable>();
  readonly subscriptions = new Set<string>();
  private readonly attachments = new Set<StreamAttachment>();
  private readonly asks = new Map<string, PendingAsk>();
  private nextAsk = 0;
  private readonly unsubscribe: () => void;
  private localFallbackSeq = 0;
  /** Bytes of standalone-stream events handed to the store and not yet confirmed. */
  private publishingBytes = 0;
  lastSeen = Date.now();
  /**
   * Record changes this worker started, and how many are still being written.
   * A store read that overlaps one may predate it: Sessions.refresh drops such
   * a read rather than let it undo the change (see there).
   */
  writeSeq = 0;
  writesInFlight = 0;

  constructor(
    public record: SessionRecord,
    private readonly store: StateStore,
    private readonly logger: Logger,
    private readonly workerTag: string,
    hooks: SessionHooks,
  ) {
    this.unsubscribe = store.subscribe(sessionChannel(record.id), (m) => this.onBus(m, hooks));
  }

  get id(): string {
    return this.record.id;
  }

  get hasStandalone(): boolean {
    for (const a of this.attachments) if (a.streamId === this.record.standaloneStream && a.open) return true;
    return false;
  }

  /** A new resumable stream for one POST response, produced by this worker. */
  openStream(): ProducerStream {
    return new ProducerStream(newStreamId(), { store: this.store, sessionId: this.id, logger: this.logger });
  }

  /** Feeds a response from the log and the bus (GET standalone, or a resumed stream). */
  attach(attachment: StreamAttachment): () => void {
    this.attachments.add(attachment);
    return () => this.attachments.delete(attachment);
  }

  /**
   * An unscoped notification for this session's standalone stream. It is
   * logged and published once; whichever worker holds the client's GET
   * stream writes it. With the store unreachable it still reaches a stream
   * held here (not resumable then).
   */
  notify(message: JsonObject): boolean {
    // A notification is dropped (false; the caller counts it) while the store is too far behind
    // (dropsAt): a flooding backend must not queue without end in this worker.
    if (dropsAt(message, this.publishingBytes)) return false;
    const data = JSON.stringify(message);
    this.publishingBytes += data.length;
    this.store
      .appendEvent(this.id, this.record.standaloneStream, data)
      .catch(() => {
        const id = `${this.record.standaloneStream}_L${this.workerTag}${this.localFallbackSeq++}`;
        for (const a of this.attachments) if (a.streamId === this.record.standaloneStream) a.live({ id, data });
      })
      .finally(() => {
        this.publishingBytes -= data.length;
      });
    return true;
  }

  /**
   * Sends a request to the client (through `send`: the POST's stream, or the
   * standalone stream on the legacy SSE transport) and waits for the answer,
   * which may arrive at any worker.
   */
  ask(send: (message: JsonObject) => void, method: string, params: JsonObject | undefined, timeoutMs = DEFAULT_CLIENT_ANSWER_TIMEOUT_MS): Promise<JsonObject> {
    const id = `o1m-${this.workerTag}-${this.nextAsk++}`;
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.asks.delete(id);
        reject(new GatewayError('GW_ERR_CLIENT_NO_ANSWER', `the client did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.asks.set(id, { resolve, reject, timer });
      try {
        send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
      } catch (err) {
        // Released on every path: a request that cannot be written fails now, not at its timeout.
        clearTimeout(timer);
        this.asks.delete(id);
        reject(err);
      }
    });
  }

  /** A JSON-RPC response the client posted (here). Not ours: it is passed to the session's other workers. */
  answer(response: JsonRpcResponse): void {
    if (this.settleAsk(response)) return;
    void this.store.publish(sessionChannel(this.id), { t: 'answer', response: response as unknown as JsonObject }).catch((err: unknown) => {
      this.logger.warn({ session: this.id, err: err instanceof Error ? err.message : String(err) }, 'could not pass a client answer to the worker waiting for it');
    });
  }

  /** notifications/cancelled: the request may be running on another worker. */
  cancel(requestId: JsonRpcId): void {
    const local = this.inflight.get(requestId);
    if (local) {
      local.abort();
      return;
    }
    void this.store.publish(sessionChannel(this.id), { t: 'cancel', requestId }).catch(() => undefined);
  }

  /** Ends this worker's part: in-flight calls are cancelled, waiting asks refused, streams closed. */
  close(): void {
    this.unsubscribe();
    for (const controller of this.inflight.values()) controller.abort();
    this.inflight.clear();
    for (const ask of this.asks.values()) {
      clearTimeout(ask.timer);
      ask.reject(new GatewayError('GW_ERR_SESSION_NOT_FOUND', 'the session ended'));
    }
    this.asks.clear();
    for (const a of this.attachments) a.close();
    this.attachments.clear();
  }

  private settleAsk(response: JsonRpcResponse): boolean {
    const key = String(response.id);
    const ask = this.asks.get(key);
    if (!ask) return false;
    this.asks.delete(key);
    clearTimeout(ask.timer);
    if ('error' in response) ask.reject(new UpstreamRpcError(response.error.code, response.error.message, response.error.data));
    else ask.resolve(response.result);
    return true;
  }

  private onBus(message: BusMessage, hooks: SessionHooks): void {
    switch (message.t) {
      case 'event':
        for (const a of this.attachments) if (a.streamId === message.streamId) a.live({ id: message.id, data: message.data });
        return;
      case 'answer':
        this.settleAsk(message.response as unknown as JsonRpcResponse);
        return;
      case 'cancel':
        this.inflight.get(message.requestId)?.abort();
        return;
      case 'record':
        hooks.onRecordChanged(this);
        return;
      case 'ended':
        hooks.onEndedElsewhere(this);
        return;
      default:
        return;
    }
  }
}
