/**
 * The link of a URL-only server (its config names no type): it first probes
 * which transport the URL speaks (transport-probe.ts), logs the outcome, then
 * hands everything to the link of that transport. Until then it is
 * 'starting'; while the URL cannot be reached at all it retries with backoff
 * and reports 'restarting' with the reason. A URL that answers as neither
 * transport gets the Streamable HTTP link, whose handshake errors then carry
 * what the probe saw.
 *
 * The status is the inner link's, plus the transport found; the object is
 * rebuilt only when the inner status changes, as status() is read per call.
 */
import { GatewayError, NOT_READY } from '../../mcp/errors.js';
import type { JsonObject } from '../../mcp/jsonrpc.js';
import type { LogLevel } from '../../mcp/versions.js';
import type { HttpServerConfig } from '../../config/model.js';
import type { Logger } from '../../observe/log.js';
import type { BackendLink, LinkCall, LinkEvents, LinkStatus } from '../link.js';
import { Backoff } from '../../primary/backoff.js';
import { HTTP_RECONNECT_MAX_MS, HTTP_RECONNECT_MIN_MS, StreamableHttpLink } from './streamable-http-link.js';
import { LegacySseLink } from './legacy-sse-link.js';
import { probeTransport, type ProbeOutcome } from './transport-probe.js';
import { ScopedSseLink } from './scoped-sse-link.js';
import type { ScopeServices, ScopedLink } from '../link.js';
import type { UpstreamScope } from '../../gateway/upstream-scope.js';

type Transport = 'streamable-http' | 'sse';

export class ProbedHttpLink implements BackendLink {
  private inner: BackendLink | undefined;
  private transport: Transport | undefined;
  /** Said next to the inner link's errors when the URL answered as neither transport. */
  private hint: string | undefined;
  private own: LinkStatus = { state: 'starting', identity: undefined, lastError: undefined, generation: 0 };
  private seen: LinkStatus | undefined;
  private decorated: LinkStatus = this.own;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscribed = new Set<string>();
  private level: LogLevel | undefined;
  private readonly backoff = new Backoff(HTTP_RECONNECT_MIN_MS, HTTP_RECONNECT_MAX_MS, 60_000);

  constructor(
    private readonly config: HttpServerConfig,
    private readonly events: LinkEvents,
    private readonly logger: Logger,
  ) {}

  get name(): string {
    return this.config.name;
  }

  status(): LinkStatus {
    const inner = this.inner?.status();
    if (inner === undefined) return this.own;
    if (inner !== this.seen) {
      this.seen = inner;
      this.decorated = this.decorate(inner);
    }
    return this.decorated;
  }

  /** One client's own session, on the transport the probe found (asked for only once the server is ready). */
  scoped(scope: UpstreamScope, services: ScopeServices): ScopedLink {
    const inner = this.inner;
    if (inner instanceof StreamableHttpLink) return inner.scoped(scope, services);
    if (inner instanceof LegacySseLink) return new ScopedSseLink({ ...this.config, type: 'sse' }, scope, services.home(scope), services, this.logger, () => this.status());
    throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} is ${this.own.state}: its transport is not known yet`, NOT_READY);
  }

  async start(): Promise<void> {
    await this.probeOnce();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.inner) await this.inner.close();
    else this.setOwn({ ...this.own, state: 'stopped' });
  }

  call(call: LinkCall): Promise<JsonObject> {
    if (this.inner) return this.inner.call(call);
    return Promise.reject(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} is ${this.own.state}${this.own.lastError ? `: ${this.own.lastError}` : ''}`, NOT_READY));
  }

  notify(method: string, params?: JsonObject): void {
    this.inner?.notify(method, params);
  }

  async subscribe(uri: string): Promise<void> {
    this.subscribed.add(uri);
    await this.inner?.subscribe(uri);
  }

  async unsubscribe(uri: string): Promise<void> {
    this.subscribed.delete(uri);
    await this.inner?.unsubscribe(uri);
  }

  setLogLevel(level: LogLevel | undefined): void {
    this.level = level;
    this.inner?.setLogLevel(level);
  }

  private async probeOnce(): Promise<void> {
    if (this.closed) return;
    let outcome: ProbeOutcome;
    try {
      outcome = await probeTransport(this.config, this.config.common.connectTimeoutMs);
    } catch (err) {
      if (this.closed) return;
      const message = `cannot reach ${this.config.url}: ${err instanceof Error ? err.message : String(err)}`;
      const delay = this.backoff.failed();
      this.logger.warn({ backend: this.name, err: message, retryInMs: delay }, 'could not probe the transport of a URL-only server');
      this.setOwn({ ...this.own, state: 'restarting', lastError: message });
      this.timer = setTimeout(() => void this.probeOnce(), delay);
      return;
    }
    if (this.closed) return;
    const transport: Transport = outcome.transport ?? 'streamable-http';
    if (outcome.transport === undefined) {
      this.hint = `the URL answered neither as Streamable HTTP nor as legacy SSE: ${outcome.reason}; check the URL`;
      this.logger.warn({ backend: this.name, url: this.config.url, reason: outcome.reason }, 'URL-only server: neither Streamable HTTP nor legacy SSE answered; trying Streamable HTTP');
    } else {
      this.logger.info({ backend: this.name, url: this.config.url, transport, reason: outcome.reason }, `URL-only server: probed, speaks ${transport === 'sse' ? 'legacy HTTP+SSE' : 'Streamable HTTP'}`);
    }
    this.transport = transport;
    const config: HttpServerConfig = { ...this.config, type: transport };
    const events: LinkEvents = {
      onEvent: (m) => this.events.onEvent(m),
      onStatus: () => this.events.onStatus(this.status()),
      onUnattributed: (method, kind) => this.events.onUnattributed(method, kind),
    };
    this.inner = transport === 'sse' ? new LegacySseLink(config, events, this.logger) : new StreamableHttpLink(config, events, this.logger);
    if (this.level !== undefined) this.inner.setLogLevel(this.level);
    for (const uri of this.subscribed) void this.inner.subscribe(uri).catch(() => undefined);
    await this.inner.start();
  }

  private decorate(s: LinkStatus): LinkStatus {
    const out: LinkStatus = { ...s, transport: this.transport };
    if (this.hint !== undefined && s.lastError !== undefined) out.lastError = `${s.lastError} (${this.hint})`;
    return out;
  }

  private setOwn(status: LinkStatus): void {
    this.own = status;
    this.events.onStatus(status);
  }
}
