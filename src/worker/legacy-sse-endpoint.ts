/**
 * The HTTP+SSE transport of protocol 2024-11-05, for clients that predate
 * Streamable HTTP: GET /sse opens the session's one stream and names the
 * POST endpoint in an `endpoint` event; every POST to /messages?sessionId=
 * is acknowledged with 202 and answered on the stream.
 */
import { GatewayError } from '../mcp/errors.js';
import { contextModeOrThrow } from './mcp-service.js';
import { classify, failure, success, type Classified, type JsonObject, type JsonRpcNotification } from '../mcp/jsonrpc.js';
import { SSE_KEEPALIVE_MS } from '../config/defaults.js';
import { readHead, queryParam, type RequestHead } from './http/request-head.js';
import { readBody } from './http/body.js';
import { Reply } from './http/reply.js';
import { rejectLimit } from './http/edge-guard.js';
import { accepts, reject, rejectWith } from './http/transport-errors.js';
import { internalErrors } from '../observe/internal-error.js';
import { JsonLimitError } from '../mcp/json-limits.js';
import { headTrace, type EndpointDeps } from './streamable-endpoint.js';
import type { TraceCarrier } from '../observe/trace-context.js';
import type { LiveSession } from './session/live-session.js';
import { StreamAttachment } from './session/stream-attachment.js';
import type { Outlet } from './outlet.js';
import { NEVER_ABORTED } from '../gateway/cancellation.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './http/uws.js';
import type { Principal } from '../auth/principal.js';

/** What a 2024-11-05 client is assumed to speak until its initialize says otherwise. */
const LEGACY_SSE_VERSION = '2024-11-05';

export function mountLegacySse(app: TemplatedApp, ssePath: string, messagesPath: string, deps: EndpointDeps): void {
  app.get(ssePath, (res, req) => {
    const head = readHead(req);
    const reply = new Reply(res);
    if (!admit(deps, res, req, head, reply)) return;
    if (!accepts(head.accept, 'text/event-stream')) {
      rejectWith(reply, 'GW_ERR_NOT_ACCEPTABLE', 'Not Acceptable: GET /sse needs Accept: text/event-stream');
      return;
    }
    void deps.authenticator
      .authenticate(head, reply, `GET ${ssePath}`)
      .then((caller) => (caller ? open(deps, head, reply, messagesPath, caller) : undefined))
      .catch((err: unknown) => {
        if (!(err instanceof GatewayError)) throw err;
        rejectWith(reply, err.errorName, err.message);
      });
  });

  app.post(messagesPath, (res, req) => {
    const contentLength = Number(req.getHeader('content-length') || 0);
    const head = readHead(req);
    const reply = new Reply(res);
    if (!admit(deps, res, req, head, reply)) return;
    const sessionId = queryParam(head.query, 'sessionId') ?? '';
    const caller = deps.authenticator.authenticate(head, reply, `POST ${messagesPath}`);
    readBody(res, deps.maxBodyBytes, contentLength, (outcome) => {
      if (!outcome.ok) {
        rejectWith(reply, 'GW_ERR_BODY_TOO_LARGE', `Payload Too Large: the body exceeds ${deps.maxBodyBytes} bytes`, null, { connection: 'close' });
        return;
      }
      void caller.then((who) => (who ? onMessage(deps, sessionId, reply, outcome.body, who, headTrace(head)) : undefined)).catch((err: unknown) => {
        const fault = internalErrors(deps.logger).report(err, 'in the legacy SSE POST');
        if (!reply.done) reject(reply, fault);
      });
    });
  });
}

function admit(deps: EndpointDeps, res: HttpResponse, req: HttpRequest, head: RequestHead, reply: Reply): boolean {
  const address = deps.edge.admit(res, req, reply, head);
  if (address === undefined) return false;
  head.clientAddress = address;
  return true;
}

async function open(deps: EndpointDeps, head: RequestHead, reply: Reply, messagesPath: string, caller: Principal): Promise<void> {
  const asked = contextModeOrThrow(head.contextMode);
  let ticket;
  try {
    ticket = await deps.admission.admit(head.clientAddress());
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    rejectLimit(reply, err);
    return;
  }
  // The session exists before initialize so the client has somewhere to post it.
  const session = await deps.service.sessions.create({
    protocolVersion: LEGACY_SSE_VERSION,
    capabilities: {},
    clientInfo: {},
    principal: caller.id,
    transport: 'sse',
    contextMode: asked ?? 'full',
    askedContextMode: asked,
  }).catch((err: unknown) => {
    ticket.cancel();
    throw err;
  });
  ticket.bind(session.id);
  if (reply.done) {
    await deps.service.sessions.end(session.id);
    return;
  }
  reply.startSse();
  reply.write(`event: endpoint\ndata: ${messagesPath}?sessionId=${session.id}\n\n`);
  // Everything for this session (answers included) flows through its standalone stream, which
  // this worker holds: a POST to /messages may land on any worker and publishes its answer here.
  const attachment = new StreamAttachment(session.record.standaloneStream, reply, undefined);
  attachment.replay([]);
  const detach = session.attach(attachment);
  const timer = setInterval(() => attachment.keepAlive(), SSE_KEEPALIVE_MS);
  attachment.onClose(() => {
    clearInterval(timer);
    detach();
    // This transport cannot resume: the stream is the session.
    void deps.service.sessions.end(session.id);
  });
}

async function onMessage(deps: EndpointDeps, sessionId: string, reply: Reply, body: Buffer, caller: Principal, trace: TraceCarrier | undefined): Promise<void> {
  const session = sessionId === '' ? undefined : await deps.service.sessions.resolve(sessionId);
  // Another principal's session is answered as an unknown one.
  if (!session || session.record.transport !== 'sse' || session.record.principal !== caller.id) {
    rejectWith(reply, 'GW_ERR_SESSION_NOT_FOUND', 'Session not found: open GET /sse first and post to the endpoint it names');
    return;
  }
  let value: unknown;
  try {
    value = await deps.offload.parse(body);
  } catch (err) {
    if (!(err instanceof JsonLimitError)) {
      rejectWith(reply, 'GW_ERR_PARSE', 'Parse error: the body is not valid JSON');
      return;
    }
    // A refused answer to a backend's request fails that request now (see StreamableEndpoint.onLimit).
    const id = err.id();
    if (id !== null && err.isResponse()) session.answer(failure(id, err.toGatewayError('GW_ERR_INVALID_PARAMS', 'the client\'s answer was refused: ').toJsonRpc()));
    reject(reply, err.toGatewayError(), id);
    return;
  }
  const message = classify(value);
  if (message.kind === 'invalid') {
    rejectWith(reply, 'GW_ERR_INVALID_REQUEST', `Invalid Request: ${message.reason}`, message.id);
    return;
  }
  reply.text(202, 'Accepted');
  if (message.kind === 'request' && message.message.method === 'initialize') {
    await initializeInPlace(deps, session, message);
    return;
  }
  await deps.service.onSessionMessage(session, message, streamOutlet(session), caller, trace);
}

/** initialize on this transport fills in the session opened by GET /sse. */
async function initializeInPlace(deps: EndpointDeps, session: LiveSession, message: Classified & { kind: 'request' }): Promise<void> {
  // A mode asked for on GET /sse was recorded at open; initialize settles it (overrides may match the client name).
  const result = await deps.service.initializeExisting(session, message.message, session.record.askedContextMode);
  session.notify(success(message.message.id, result) as unknown as JsonObject);
}

function streamOutlet(session: LiveSession): Outlet {
  const send = (m: unknown) => session.notify(m as JsonObject);
  return {
    signal: NEVER_ABORTED,
    notify: (n: JsonRpcNotification) => send(n),
    ask: (method: string, params: JsonObject | undefined) => session.ask(send, method, params),
    respond: (response) => send(response),
  };
}
