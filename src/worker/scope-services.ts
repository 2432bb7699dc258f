/**
 * What clients' own backend sessions need from this worker: where each is
 * remembered (its home), and the delivery of what it sends outside any call
 * to the one client it belongs to.
 *
 * A session scope (`s:<id>`) is a 2025 client session: its backend sessions
 * are remembered in the session's shared record, and what they send reaches
 * the client on its standalone stream (GET /mcp, or the legacy /sse stream)
 * through the session's event log, from whichever worker holds that stream.
 * Other scopes (a principal's) are remembered in the
 * shared store; they have no stream to deliver to, so what their backend
 * sessions send outside calls is refused or dropped and counted.
 */
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject, type JsonRpcNotification } from '../mcp/jsonrpc.js';
import { logPasses } from '../mcp/versions.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import { CLIENT_METHODS, missingCapability, refusal } from '../gateway/client-capabilities.js';
import { redactScope, sessionOfScope, type UpstreamScope } from '../gateway/upstream-scope.js';
import type { ListKind } from '../gateway/catalog.js';
import type { LinkCall, ScopeHome, ScopeServices, UpstreamRef } from '../backends/link.js';
import type { ScopeRelay } from '../gateway/scope-relay.js';
import type { Sessions } from './session/sessions.js';
import type { LiveSession } from './session/live-session.js';
import { countDroppedNotification } from '../observe/metrics.js';
import type { Logger } from '../observe/log.js';

/** How long the store keeps a non-session scope's backend session reference after its last use. */
export const SCOPE_REF_TTL_MS = 60 * 60_000;

const LIST_CHANGED_KINDS: Readonly<Record<string, ListKind>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};

export interface ScopeServicesDeps {
  sessions: Sessions;
  relay: ScopeRelay;
  nodeId: string;
  logger: Logger;
  /** A scope's own backend session said a list changed. */
  scopedListChanged(server: string, scopeKey: string, kind: ListKind): void;
  /** A scope's backend session sent something with no client to take it. */
  unattributed(server: string, method: string, kind: 'request' | 'notification'): void;
}

export class WorkerScopeServices implements ScopeServices {
  readonly workerId: string;
  readonly nodeId: string;

  constructor(private readonly deps: ScopeServicesDeps) {
    this.workerId = deps.relay.workerId;
    this.nodeId = deps.nodeId;
  }

  home(scope: UpstreamScope): ScopeHome {
    return scope.sessionId !== undefined ? new SessionHome(this.deps.sessions, scope.sessionId, this.deps.logger) : new StoreHome(this.deps.sessions, scope.key, this.deps.logger);
  }

  deliver(scopeKey: string, server: string, message: JsonRpcNotification): void {
    const kind = LIST_CHANGED_KINDS[message.method];
    if (kind) this.deps.scopedListChanged(server, scopeKey, kind);
    const sessionId = sessionOfScope(scopeKey);
    if (sessionId === undefined) {
      if (!kind) this.deps.unattributed(server, message.method, 'notification');
      return;
    }
    void this.deps.sessions.resolve(sessionId).then(
      (session) => {
        if (!session) return;
        if (message.method === 'notifications/message' && session.record.logLevel !== undefined && isObject(message.params) && !logPasses(message.params.level, session.record.logLevel)) return;
        if (message.method === 'notifications/resources/updated' && isObject(message.params) && typeof message.params.uri === 'string' && !session.subscriptions.has(message.params.uri)) return;
        if (!session.notify(message as unknown as JsonObject)) countDroppedNotification(server, message.method);
      },
      () => undefined,
    );
  }

  async ask(scopeKey: string, server: string, method: string, params: JsonObject | undefined): Promise<JsonObject> {
    if (method === 'ping') return {};
    if (!CLIENT_METHODS.has(method)) throw new UpstreamRpcError(-32601, `Method not found: clients do not serve ${method}`);
    const sessionId = sessionOfScope(scopeKey);
    const session = sessionId === undefined ? undefined : await this.deps.sessions.resolve(sessionId).catch(() => undefined);
    if (!session) {
      this.deps.unattributed(server, method, 'request');
      throw new UpstreamRpcError(-32603, `only1mcp cannot ask a client for ${method} outside a call: this backend session belongs to no client session with a stream`);
    }
    const required = missingCapability(method, params, session.record.capabilities);
    if (required) throw refusal(method, required);
    // Outside any call the request rides the session's standalone stream, held by whichever worker; the answer may come to any.
    return session.ask((m) => session.notify(m), method, params);
  }

  relay(owner: string, server: string, scope: UpstreamScope, call: LinkCall, replica: string): Promise<JsonObject> {
    return this.deps.relay.call(owner, server, scope, call, replica);
  }

  relayOp(owner: string, server: string, scope: UpstreamScope, op: 'notify' | 'level' | 'sub' | 'unsub' | 'release', extra: { m?: string; p?: JsonObject; lv?: string; uri?: string }, replica: string): Promise<void> {
    return this.deps.relay.op(owner, server, scope, op, extra, replica);
  }
}

/** A client session's backend sessions, kept in its record (`up:<server>` fields). */
class SessionHome implements ScopeHome {
  constructor(private readonly sessions: Sessions, private readonly sessionId: string, private readonly logger: Logger) {}

  async ref(server: string, fresh = false): Promise<UpstreamRef | undefined> {
    const session = await this.session();
    if (!session) return undefined;
    const record = fresh ? await this.sessions.fresh(session) : session.record;
    return record[`up:${server}`] as UpstreamRef | undefined;
  }

  saveRef(server: string, ref: UpstreamRef | undefined): void {
    void this.session().then((session) => {
      if (session) return this.sessions.update(session, { [`up:${server}`]: ref as JsonObject | undefined });
      return undefined;
    }).catch((err: unknown) => this.logger.warn({ backend: server, err: String(err) }, 'could not record a client\'s backend session'));
  }

  reset(server: string, why: string): void {
    void this.session().then((session) => {
      if (!session) return;
      this.logger.info({ backend: server, session: redactScope(session.id) }, `a client's backend state was reset: ${why}`);
      session.notify({
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'warning', logger: 'only1mcp', data: `Your session with backend ${server} was reset: ${why}. State it kept for you (roots, log level, subscriptions, anything it remembered) starts over.` },
      });
    }, () => undefined);
  }

  private session(): Promise<LiveSession | undefined> {
    return this.sessions.resolve(this.sessionId).catch((err: unknown) => {
      if (err instanceof GatewayError) return undefined;
      throw err;
    });
  }
}

/** A principal's backend sessions, kept in the shared store. */
class StoreHome implements ScopeHome {
  constructor(private readonly sessions: Sessions, private readonly scopeKey: string, private readonly logger: Logger) {}

  async ref(server: string): Promise<UpstreamRef | undefined> {
    const raw = await this.sessions.store.getCached(this.key(server)).catch(() => undefined);
    return raw === undefined || raw === '' ? undefined : (JSON.parse(raw) as UpstreamRef);
  }

  saveRef(server: string, ref: UpstreamRef | undefined): void {
    const store = this.sessions.store;
    const write = ref === undefined ? store.setCached(this.key(server), '', 1) : store.setCached(this.key(server), JSON.stringify(ref), SCOPE_REF_TTL_MS);
    void write.catch(() => undefined);
  }

  reset(server: string, why: string): void {
    this.logger.info({ backend: server, scope: redactScope(this.scopeKey) }, `a backend session shared by a principal's clients was reset: ${why}`);
  }

  private key(server: string): string {
    return `upref:${server}:${this.scopeKey}`;
  }
}
