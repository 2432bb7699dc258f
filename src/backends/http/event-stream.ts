/**
 * The long-lived stream of unscoped backend messages for one HTTP backend:
 * the session's GET stream (legacy era, resumed with Last-Event-ID) or a
 * `subscriptions/listen` POST stream (modern era) opted in to the list
 * changes the backend's capabilities promise. Reconnects with backoff.
 */
import { JsonLimitError } from '../../mcp/json-limits.js';
import type { H1Pool } from './h1/h1-pool.js';
import { streamRequest } from './h1/stream-request.js';
import { classify, type JsonRpcMessage } from '../../mcp/jsonrpc.js';
import { listenFilter } from '../listen-filter.js';
import { modernMeta, type BackendIdentity } from '../handshake.js';
import { Backoff } from '../../primary/backoff.js';
import { readSse } from './sse-body.js';
import { withDeadline } from '../deadline.js';
import type { Logger } from '../../observe/log.js';

export interface EventStreamOptions {
  pool: H1Pool;
  path: string;
  identity: BackendIdentity;
  headers(): Record<string, string>;
  onMessage(message: JsonRpcMessage): void;
  /** Resource URIs a modern backend's listen stream must name. */
  resources(): string[];
  logger: Logger;
  backend: string;
}

/** How long the backend has to answer the stream's request with a response head. */
const STREAM_HEADERS_TIMEOUT_MS = 30_000;

export class EventStream {
  private controller: AbortController | undefined;
  private closed = false;
  private lastEventId: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private restartNow = false;
  private readonly backoff = new Backoff(500, 15_000, 30_000);

  constructor(private readonly options: EventStreamOptions) {}

  start(): void {
    if (this.running || (this.options.identity.era === 'modern' && !this.listenFilter())) return;
    this.running = true;
    void this.run();
  }

  /** Re-opens the stream at once (a modern backend's subscription set changed). */
  restart(): void {
    if (!this.running) {
      this.start();
      return;
    }
    this.restartNow = true;
    clearTimeout(this.timer);
    this.controller?.abort();
    if (!this.controller) void this.run();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  private listenFilter(): Record<string, unknown> | undefined {
    const filter: Record<string, unknown> = { ...listenFilter(this.options.identity.capabilities) };
    const resources = this.options.resources();
    if (resources.length > 0) filter.resourceSubscriptions = resources;
    return Object.keys(filter).length > 0 ? filter : undefined;
  }

  private async run(): Promise<void> {
    if (this.closed) return;
    if (this.options.identity.era === 'modern' && !this.listenFilter()) {
      this.running = false;
      return;
    }
    const { pool, path, identity } = this.options;
    this.controller = new AbortController();
    const headers = this.options.headers();
    let status = 0;
    try {
      const modern = identity.era === 'modern';
      const res = await withDeadline(
        streamRequest(
          pool,
          {
            path,
            method: modern ? 'POST' : 'GET',
            headers: modern
              ? { ...headers, 'mcp-method': 'subscriptions/listen' }
              : { ...headers, accept: 'text/event-stream', ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}) },
            body: modern
              ? JSON.stringify({ jsonrpc: '2.0', id: `listen-${Date.now()}`, method: 'subscriptions/listen', params: { notifications: this.listenFilter(), _meta: modernMeta() } })
              : undefined,
          },
          this.controller.signal,
        ),
        STREAM_HEADERS_TIMEOUT_MS,
        undefined,
        () => this.controller?.abort(),
        `${this.options.backend} event stream`,
      );
      status = res.status;
      if (status === 405 || status === 404 || status === 400) {
        // The backend offers no such stream; nothing unscoped will come.
        res.body.destroy();
        this.options.logger.debug({ backend: this.options.backend, status }, 'backend offers no unscoped event stream');
        return;
      }
      if (status !== 200) {
        res.body.destroy();
        throw new Error(`HTTP ${status}`);
      }
      this.backoff.started();
      await readSse(res.body, (event, value) => {
        if (event.id !== undefined) this.lastEventId = event.id;
        if (value === undefined || value instanceof JsonLimitError) return;
        const c = classify(value);
        if (c.kind !== 'invalid') this.options.onMessage(c.message);
      });
    } catch (err) {
      if (this.closed) return;
      this.options.logger.debug({ backend: this.options.backend, err: String(err) }, 'backend event stream dropped');
    }
    this.controller = undefined;
    if (this.closed) return;
    const delay = this.restartNow ? 0 : this.backoff.failed();
    this.restartNow = false;
    this.timer = setTimeout(() => void this.run(), delay);
  }
}
