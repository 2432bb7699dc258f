/**
 * The parts of an HTTP request the gateway uses, copied out of uWS's request
 * object (which is only valid during the synchronous part of the handler).
 */
import type { HttpRequest } from './uws.js';
import { FramingHeaders } from './framing.js';

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
  const head: RequestHead = {
    method: req.getCaseSensitiveMethod(),
    url: req.getUrl(),
    query: req.getQuery() ?? '',
    host: '',
    origin: '',
    contentType: '',
    accept: '',
    sessionId: '',
    protocolVersion: '',
    mcpMethod: '',
    mcpName: '',
    lastEventId: '',
    authorization: '',
    apiKey: '',
    contextMode: undefined,
    params: undefined,
    traceparent: '',
    tracestate: '',
    clientAddress: NO_ADDRESS,
    framing: undefined,
  };
  let contextMode = '';
  let params: Record<string, string> | undefined;
  const framing = new FramingHeaders();
  // One walk over the headers (uWS lower-cases their names): a native call per header present,
  // where a getHeader per name would cost one per name asked for, and a repeated Content-Length
  // (framing.ts) is only seen this way. A repeated header keeps its first value, as getHeader did.
  req.forEach((key, value) => {
    switch (key) {
      case 'host': if (head.host === '') head.host = value; return;
      case 'origin': if (head.origin === '') head.origin = value; return;
      case 'content-type': if (head.contentType === '') head.contentType = value; return;
      case 'accept': if (head.accept === '') head.accept = value; return;
      case 'mcp-session-id': if (head.sessionId === '') head.sessionId = value; return;
      case 'mcp-protocol-version': if (head.protocolVersion === '') head.protocolVersion = value; return;
      case 'mcp-method': if (head.mcpMethod === '') head.mcpMethod = value; return;
      case 'mcp-name': if (head.mcpName === '') head.mcpName = value; return;
      case 'last-event-id': if (head.lastEventId === '') head.lastEventId = value; return;
      case 'authorization': if (head.authorization === '') head.authorization = value; return;
      case 'x-api-key': if (head.apiKey === '') head.apiKey = value; return;
      case 'traceparent': if (head.traceparent === '') head.traceparent = value; return;
      case 'tracestate': if (head.tracestate === '') head.tracestate = value; return;
      case 'only1mcp-context-mode': if (contextMode === '') contextMode = value; return;
      default:
        if (framing.add(key, value)) return;
        if (key.startsWith('mcp-param-')) (params ??= {})[key.slice('mcp-param-'.length)] = value;
    }
  });
  head.framing = framing.problem();
  // tracestate means nothing without traceparent (W3C trace context).
  if (head.traceparent === '') head.tracestate = '';
  head.contextMode = contextMode || (head.query === '' ? undefined : queryParam(head.query, 'context'));
  // Mcp-Param-* headers mirror a tools/call's arguments (2026-07-28); on anything else they are ignored.
  if (head.mcpMethod === 'tools/call') head.params = params;
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
