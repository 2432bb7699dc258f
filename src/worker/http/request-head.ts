/**
 * The parts of an HTTP request the gateway uses, copied out of uWS's request
 * object (which is only valid during the synchronous part of the handler).
 */
import type { HttpRequest } from './uws.js';
import { framingProblem } from './framing.js';

export interface RequestHead {
  method: string;
  url: string;
  query: string;
  host: string;
  origin: string;
  contentType: string;
  accept: string;
  sessionId: string;
  protocolVersion: string;
  mcpMethod: string;
  mcpName: string;
  lastEventId: string;
  authorization: string;
  /** `X-API-Key`, the other way to present an API key. */
  apiKey: string;
  /** Context mode asked for outside the protocol: `Only1MCP-Context-Mode` header, else the URL's `?context=`. */
  contextMode: string | undefined;
  /** `Mcp-Param-*` headers, lower-cased names without the prefix. */
  params: Record<string, string> | undefined;
  /** W3C trace context headers as received ('' when absent); validated where they are used (observe/trace-context.ts). */
  traceparent: string;
  tracestate: string;
  /** The client address the edge limits count by (client-address.ts), read when first called; set by Edge.admit. */
  clientAddress: () => string;
  /** Set when the body's framing is a request-smuggling shape (framing.ts): the request gets 400. */
  framing: string | undefined;
}

const NO_ADDRESS = (): string => '';

export function readHead(req: HttpRequest): RequestHead {
  let params: Record<string, string> | undefined;
  // Only walk all headers when a client sent any Mcp-Param-* (rare); the common path reads named headers.
  const head: RequestHead = {
    method: req.getCaseSensitiveMethod(),
    url: req.getUrl(),
    query: req.getQuery() ?? '',
    host: req.getHeader('host'),
    origin: req.getHeader('origin'),
    contentType: req.getHeader('content-type'),
    accept: req.getHeader('accept'),
    sessionId: req.getHeader('mcp-session-id'),
    protocolVersion: req.getHeader('mcp-protocol-version'),
    mcpMethod: req.getHeader('mcp-method'),
    mcpName: req.getHeader('mcp-name'),
    lastEventId: req.getHeader('last-event-id'),
    authorization: req.getHeader('authorization'),
    apiKey: req.getHeader('x-api-key'),
    contextMode: undefined,
    params: undefined,
    traceparent: req.getHeader('traceparent'),
    tracestate: '',
    clientAddress: NO_ADDRESS,
    framing: framingProblem(req),
  };
  if (head.traceparent !== '') head.tracestate = req.getHeader('tracestate');
  head.contextMode = req.getHeader('only1mcp-context-mode') || (head.query === '' ? undefined : queryParam(head.query, 'context'));
  if (head.mcpMethod === 'tools/call') {
    req.forEach((key, value) => {
      if (key.startsWith('mcp-param-')) (params ??= {})[key.slice('mcp-param-'.length)] = value;
    });
    head.params = params;
  }
  return head;
}

export function queryParam(query: string, key: string): string | undefined {
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const k = eq === -1 ? part : part.slice(0, eq);
    if (safeDecode(k) === key) return eq === -1 ? '' : safeDecode(part.slice(eq + 1).replace(/\+/g, ' '));
  }
  return undefined;
}

/** decodeURIComponent that returns the raw text for malformed escapes instead of throwing. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
