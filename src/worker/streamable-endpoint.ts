/**
 * The Streamable HTTP endpoint (`/mcp`) for both eras.
 *
 * POST: `initialize` opens a 2025-era session; a request with
 * `Mcp-Session-Id` belongs to one; a request carrying the 2026-07-28
 * envelope is served statelessly. GET opens (or resumes, with
 * Last-Event-ID) a session's standalone stream. DELETE ends a session.
 * This file only turns HTTP into calls on McpService and back.
 */
import { GatewayError } from '../mcp/errors.js';
import { classify, failure, isObject, success, type Classified, type JsonObject, type JsonRpcRequest, type JsonRpcResponse } from '../mcp/jsonrpc.js';
import { SSE_KEEPALIVE } from '../mcp/sse.js';
import { META, allowsBatches, isLegacyVersion } from '../mcp/versions.js';
import { SESSION_EVENT_LOG_MAX_EVENTS, SSE_KEEPALIVE_MS } from '../config/defaults.js';
import { readHead, type RequestHead } from './http/request-head.js';
import { readBody } from './http/body.js';
import { Reply } from './http/reply.js';
import { rejectLimit } from './http/edge-guard.js';
import { accepts, reject, rejectWith } from './http/transport-errors.js';
import { PostOutlet } from './post-outlet.js';
import { ProducerStream, newStreamId } from './session/producer-stream.js';
import { StreamAttachment } from './session/stream-attachment.js';
import { StoreUnavailable } from '../state/store.js';
import { tagged, type ListenFilter, type NotifyHub } from './notify-hub.js';
import { validateModern } from './modern-request.js';
import type { McpService } from './mcp-service.js';
import type { LiveSession } from './session/live-session.js';
import type { OriginGuard } from './http/origin-guard.js';
import type { Edge } from './http/edge-guard.js';
import type { SessionAdmission, SessionTicket } from './limits/session-admission.js';
import type { TemplatedApp, HttpResponse, HttpRequest } from './http/uws.js';
import type { Outlet } from './outlet.js';
import { NEVER_ABORTED } from '../gateway/cancellation.js';
import type { Logger } from '../observe/log.js';
import type { JsonOffload } from './offload/json-offload.js';
import type { Authenticator } from './http/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { readCarrier, type TraceCarrier } from '../observe/trace-context.js';
import { internalErrors } from '../observe/internal-error.js';
import { JsonLimitError } from '../mcp/json-limits.js';

export interface EndpointDeps {
  service: McpService;
  hub: NotifyHub;
  guard: OriginGuard;
  /** The rebinding check and the open-requests cap, on every route (http/edge-guard.ts). */
  edge: Edge;
  /** Caps on sessions per address and per node, and on their creation rate. */
  admission: SessionAdmission;
  maxBodyBytes: number;
  /** A tool's input schema by exposed name, for Mcp-Param-* validation. */
  toolSchema(name: string): unknown;
  /** Who the request is from, before any session is touched (a refusal is answered there). */
  authenticator: Authenticator;
  /** JSON parsing of bodies, offloaded to a thread pool when large. */
  offload: JsonOffload;
  logger: Logger;
}

/** Revisions from which streams start with a priming event (SEP-1699). */
const PRIMING_FROM_VERSION = '2025-11-25';

export function mountStreamable(app: TemplatedApp, path: string, deps: EndpointDeps): void {
  const endpoint = new StreamableEndpoint(deps);
  app.post(path, (res, req) => endpoint.post(res, req));
  app.get(path, (res, req) => endpoint.get(res, req));
  app.del(path, (res, req) => endpoint.delete(res, req));
  app.any(path, (res, req) => {
    const reply = new Reply(res);
    if (endpoint.deps.edge.admit(res, req, reply) === undefined) return;
    rejectWith(reply, 'GW_ERR_HTTP_METHOD_NOT_ALLOWED', 'Use POST, GET or DELETE on the MCP endpoint', null, { allow: 'GET, POST, DELETE' });
  });
}

class StreamableEndpoint {
  constructor(readonly deps: EndpointDeps) {}

  private guarded(res: HttpResponse, req: HttpRequest): { head: RequestHead; reply: Reply } | undefined {
    const head = readHead(req);
    const reply = new Reply(res);
    const address = this.deps.edge.admit(res, req, reply, head);
    if (address === undefined) return undefined;
    head.clientAddress = address;
    return { head, reply };
  }

  post(res: HttpResponse, req: HttpRequest): void {
    const contentLength = Number(req.getHeader('content-length') || 0);
    const g = this.guarded(res, req);
    if (!g) return;
    const { head, reply } = g;
    if (!head.contentType.toLowerCase().startsWith('application/json')) {
      rejectWith(reply, 'GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type: POST bodies must be Content-Type: application/json');
      return;
    }
    if (!(accepts(head.accept, 'application/json') || accepts(head.accept, 'text/event-stream'))) {
      rejectWith(reply, 'GW_ERR_NOT_ACCEPTABLE', 'Not Acceptable: the Accept header must allow application/json and text/event-stream');
      return;
    }
    // Authentication runs while the body arrives; nothing is parsed or looked up for a refused caller.
    const caller = this.deps.authenticator.authenticate(head, reply, 'POST /mcp');
    readBody(res, this.deps.maxBodyBytes, contentLength, (outcome) => {
      if (!outcome.ok) {
        rejectWith(reply, 'GW_ERR_BODY_TOO_LARGE', `Payload Too Large: the body exceeds ${this.deps.maxBodyBytes} bytes`, null, { connection: 'close' });
        return;
      }
      caller.then((who) => (who ? this.onBody(head, reply, outcome.body, who) : undefined)).catch((err: unknown) => {
        const fault = internalErrors(this.deps.logger).report(err, 'in the POST handler');
        if (!reply.done) reject(reply, fault);
      });
    });
  }

  private async onBody(head: RequestHead, reply: Reply, body: Buffer, caller: Principal): Promise<void> {
    let value: unknown;
    try {
      value = await this.deps.offload.parse(body);
    } catch (err) {
      if (err instanceof JsonLimitError) await this.onLimit(head, reply, err, caller);
      else rejectWith(reply, 'GW_ERR_PARSE', 'Parse error: the body is not valid JSON');
      return;
    }
    if (Array.isArray(value)) {
      await this.onBatch(head, reply, value, caller);
      return;
    }
    const message = classify(value);
    if (message.kind === 'invalid') {
      rejectWith(reply, 'GW_ERR_INVALID_REQUEST', `Invalid Request: ${message.reason}`, message.id);
      return;
    }
    // initialize opens a 2025-era session, unless the headers speak 2026-07-28 (where it is no method at all).
    if (message.kind === 'request' && message.message.method === 'initialize' && !modernHeader(head)) {
      await this.onInitialize(head, reply, message.message, caller);
      return;
    }
    if (head.sessionId !== '') {
      const session = await this.session(head, reply, caller);
      if (session) await this.onSessionMessage(head, reply, session, message, caller);
      return;
    }
    if (isModern(head, message)) {
      await this.onModern(head, reply, message, caller);
      return;
    }
    rejectWith(reply, 'GW_ERR_SESSION_REQUIRED', 'Bad Request: Mcp-Session-Id header is required (send initialize first, or use protocol 2026-07-28 with per-request _meta)', message.kind === 'request' ? message.message.id : null);
  }

  /**
   * A body past an input limit: refused with the limit named. When it was a
   * client's answer to a backend's request (sampling, elicitation, roots) on
   * its session, that request fails now with the same reason, instead of
   * waiting out its timeout for an answer that was refused at the door.
   */
  private async onLimit(head: RequestHead, reply: Reply, err: JsonLimitError, caller: Principal): Promise<void> {
    const id = err.id();
    if (head.sessionId !== '' && id !== null && err.isResponse()) {
      const session = await this.session(head, reply, caller);
      if (!session) return;
      session.answer(failure(id, err.toGatewayError('GW_ERR_INVALID_PARAMS', 'the client\'s answer was refused: ').toJsonRpc()));
    }
    reject(reply, err.toGatewayError(), id);
  }

  /**
   * The session named by Mcp-Session-Id, if it exists and belongs to the
   * caller. Another principal's session is answered exactly as an unknown
   * one (404): its existence is not disclosed.
   */
  private async session(head: RequestHead, reply: Reply, caller: Principal): Promise<LiveSession | undefined> {
    if (head.protocolVersion !== '' && !isLegacyVersion(head.protocolVersion)) {
      rejectWith(reply, 'GW_ERR_UNSUPPORTED_VERSION', `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(head.protocolVersion)} for a session`);
      return undefined;
    }
    let session: LiveSession | undefined;
    try {
      session = await this.deps.service.sessions.resolve(head.sessionId);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      reject(reply, err);
      return undefined;
    }
    if (!session || session.record.principal !== caller.id) {
      rejectWith(reply, 'GW_ERR_SESSION_NOT_FOUND', 'Session not found: it expired or was terminated; initialize a new one');
      return undefined;
    }
    if (session.record.transport !== 'streamable') {
      rejectWith(reply, 'GW_ERR_SESSION_NOT_FOUND', 'Session not found on this transport');
      return undefined;
    }
    return session;
  }

  private async onInitialize(head: RequestHead, reply: Reply, request: JsonRpcRequest, caller: Principal): Promise<void> {
    if (head.sessionId !== '') {
      rejectWith(reply, 'GW_ERR_ALREADY_INITIALIZED', 'Bad Request: initialize must be sent without an Mcp-Session-Id header', request.id);
      return;
    }
    let ticket: SessionTicket;
    try {
      ticket = await this.deps.admission.admit(head.clientAddress());
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      rejectLimit(reply, err, request.id);
      return;
    }
    let created;
    try {
      created = await this.deps.service.initialize(request, caller, 'streamable', head.contextMode);
    } catch (err) {
      ticket.cancel();
      if (!(err instanceof GatewayError)) throw err;
      reject(reply, err, request.id, 400);
      return;
    }
    const { session, result } = created;
    ticket.bind(session.id);
    reply.json(200, JSON.stringify(success(request.id, result)), { 'mcp-session-id': session.id });
  }

  private async onSessionMessage(head: RequestHead, reply: Reply, session: LiveSession, message: Classified, caller: Principal): Promise<void> {
    if (message.kind !== 'request') {
      await this.deps.service.onSessionMessage(session, message, NO_OUTLET, caller);
      reply.empty(202);
      return;
    }
    const outlet = new PostOutlet(reply, accepts(head.accept, 'text/event-stream'), session, session.record.protocolVersion >= PRIMING_FROM_VERSION);
    await this.deps.service.onSessionMessage(session, message, outlet, caller, headTrace(head));
  }

  private async onModern(head: RequestHead, reply: Reply, message: Classified, caller: Principal): Promise<void> {
    if (message.kind === 'notification') {
      reply.empty(202);
      return;
    }
    if (message.kind !== 'request') {
      rejectWith(reply, 'GW_ERR_INVALID_REQUEST', 'Invalid Request: clients of protocol 2026-07-28 do not send JSON-RPC responses');
      return;
    }
    const request = message.message;
    let info;
    try {
      info = validateModern(head, request, (name) => this.deps.toolSchema(name));
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      reject(reply, err, request.id, err.httpStatus('modern'));
      return;
    }
    if (request.method === 'subscriptions/listen') {
      await this.onListen(reply, request);
      return;
    }
    const outlet = new PostOutlet(reply, accepts(head.accept, 'text/event-stream'), undefined, false);
    await this.deps.service.onModernRequest(request, info, caller, outlet, head.contextMode, headTrace(head));
  }

  private async onListen(reply: Reply, request: JsonRpcRequest): Promise<void> {
    const asked = isObject(request.params?.notifications) ? request.params.notifications : {};
    const requested: ListenFilter = {};
    for (const key of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const) {
      if (asked[key] === true) requested[key] = true;
    }
    if (Array.isArray(asked.resourceSubscriptions)) {
      requested.resourceSubscriptions = asked.resourceSubscriptions.filter((u): u is string => typeof u === 'string');
    }
    const listen = await this.deps.service.openListen(requested);
    if (reply.done) {
      listen.close();
      return;
    }
    const stream = new ProducerStream(newStreamId(), undefined);
    stream.attach(reply, false);
    stream.send(tagged('notifications/subscriptions/acknowledged', { notifications: listen.honored as JsonObject }, request.id));
    const remove = this.deps.hub.addListener(request.id, listen.honored, stream);
    const keepalive = setInterval(() => stream.raw(SSE_KEEPALIVE), SSE_KEEPALIVE_MS);
    const release = () => {
      clearInterval(keepalive);
      remove();
      listen.close();
    };
    reply.onAbort(release);
    stream.onEnd(release);
  }

  private async onBatch(head: RequestHead, reply: Reply, values: unknown[], caller: Principal): Promise<void> {
    const session = head.sessionId === '' ? undefined : await this.session(head, reply, caller);
    if (reply.done) return;
    if (!session || !allowsBatches(session.record.protocolVersion) || values.length === 0) {
      rejectWith(reply, 'GW_ERR_BATCH_REJECTED', 'Invalid Request: JSON-RPC batches are only accepted on sessions of protocol 2025-03-26 (and not for initialize)');
      return;
    }
    const responses: JsonRpcResponse[] = [];
    const collect: Outlet = { signal: NO_OUTLET.signal, notify: () => undefined, ask: undefined, respond: (r) => responses.push(r) };
    for (const value of values) {
      const message = classify(value);
      if (message.kind === 'invalid') responses.push(failure(message.id, new GatewayError('GW_ERR_INVALID_REQUEST', `Invalid Request: ${message.reason}`).toJsonRpc()));
      else await this.deps.service.onSessionMessage(session, message, collect, caller, headTrace(head));
    }
    if (responses.length === 0) reply.empty(202);
    else reply.json(200, JSON.stringify(responses));
  }

  get(res: HttpResponse, req: HttpRequest): void {
    const g = this.guarded(res, req);
    if (!g) return;
    const { head, reply } = g;
    if (!accepts(head.accept, 'text/event-stream')) {
      rejectWith(reply, 'GW_ERR_NOT_ACCEPTABLE', 'Not Acceptable: GET needs Accept: text/event-stream');
      return;
    }
    if (head.sessionId === '') {
      rejectWith(reply, 'GW_ERR_HTTP_METHOD_NOT_ALLOWED', 'Method Not Allowed: GET opens the stream of a 2025-era session and needs Mcp-Session-Id; protocol 2026-07-28 uses subscriptions/listen', null, { allow: 'POST' });
      return;
    }
    void this.deps.authenticator
      .authenticate(head, reply, 'GET /mcp')
      .then((caller) => (caller ? this.onGet(head, reply, caller) : undefined))
      .catch((err: unknown) => {
      const fault = internalErrors(this.deps.logger).report(err, 'in the GET handler');
      if (!reply.done) reject(reply, fault);
    });
  }

  private async onGet(head: RequestHead, reply: Reply, caller: Principal): Promise<void> {
    const session = await this.session(head, reply, caller);
    if (!session) return;
    const standalone = session.record.standaloneStream;
    let streamId = standalone;
    let after: string | undefined;
    if (head.lastEventId !== '') {
      try {
        const known = await this.deps.service.sessions.store.eventsAfter(session.id, head.lastEventId);
        if (known?.lost) {
          rejectWith(reply, 'GW_ERR_EVENTS_LOST', `Gone: events after ${head.lastEventId} are no longer kept (a session keeps its last ${SESSION_EVENT_LOG_MAX_EVENTS}); reconnect without Last-Event-ID`);
          return;
        }
        // An id the log does not know (expired, or never logged): start the standalone stream afresh.
        if (known) {
          streamId = known.streamId;
          after = head.lastEventId;
        }
      } catch (err) {
        if (!(err instanceof StoreUnavailable)) throw err;
        rejectWith(reply, 'GW_ERR_STATE_UNAVAILABLE', 'Service Unavailable: resuming a stream needs the shared state store, which cannot be reached; retry shortly');
        return;
      }
    }
    if (streamId === standalone && after === undefined && session.hasStandalone) {
      rejectWith(reply, 'GW_ERR_STREAM_CONFLICT', 'Conflict: only one GET stream may be open per session');
      return;
    }
    reply.startSse();
    // Attach before reading the log, so events published meanwhile are held, not lost.
    const attachment = new StreamAttachment(streamId, reply, after, streamId !== standalone);
    const detach = session.attach(attachment);
    const timer = setInterval(() => attachment.keepAlive(), SSE_KEEPALIVE_MS);
    attachment.onClose(() => {
      clearInterval(timer);
      detach();
    });
    try {
      const replay = after === undefined ? undefined : await this.deps.service.sessions.store.eventsAfter(session.id, after);
      // Dropped since the first read (over a log's worth of events in between): end the stream rather than skip.
      if (replay?.lost) {
        attachment.close();
        return;
      }
      attachment.replay(replay?.events ?? []);
    } catch {
      // The store went away between the reads: end the stream so the client reconnects with the same Last-Event-ID.
      attachment.close();
    }
    // A resumed POST stream that already delivered its response has nothing more to send.
    if (streamId !== standalone && attachment.sawFinalResponse) attachment.close();
  }

  delete(res: HttpResponse, req: HttpRequest): void {
    const g = this.guarded(res, req);
    if (!g) return;
    const { head, reply } = g;
    if (head.sessionId === '') {
      rejectWith(reply, 'GW_ERR_SESSION_REQUIRED', 'Bad Request: DELETE needs the Mcp-Session-Id of the session to end');
      return;
    }
    void this.deps.authenticator
      .authenticate(head, reply, 'DELETE /mcp')
      .then(async (caller) => {
        if (!caller) return;
        // The same lookup as every other request: only its own principal ends a session (anyone else is
        // told it does not exist), and a store that is away is a 503, not a 404 that drops a live session.
        if (!(await this.session(head, reply, caller))) return;
        await this.deps.service.sessions.end(head.sessionId);
        reply.empty(200);
      })
      .catch((err: unknown) => {
        const fault = internalErrors(this.deps.logger).report(err, 'in the DELETE handler');
        if (!reply.done) reject(reply, fault);
      });
  }
}

const NO_OUTLET: Outlet = {
  signal: NEVER_ABORTED,
  notify: () => undefined,
  ask: undefined,
  respond: () => undefined,
};

/** The POST's trace context headers, when valid (a malformed traceparent is ignored, never an error). */
export function headTrace(head: RequestHead): TraceCarrier | undefined {
  return head.traceparent === '' ? undefined : readCarrier(head.traceparent, head.tracestate);
}

function modernHeader(head: RequestHead): boolean {
  return head.protocolVersion !== '' && !isLegacyVersion(head.protocolVersion);
}

/** A request that declares the 2026-07-28 era by header or envelope. */
function isModern(head: RequestHead, message: Classified): boolean {
  if (modernHeader(head)) return true;
  if (message.kind === 'request' || message.kind === 'notification') {
    const meta = message.message.params?._meta;
    if (isObject(meta) && meta[META.protocolVersion] !== undefined) return true;
    if (message.message.method === 'server/discover' || message.message.method === 'subscriptions/listen') return true;
  }
  return false;
}
