/**
 * What spans record, following the OpenTelemetry conventions for MCP
 * (`mcp.method.name`, `gen_ai.tool.name`, `gen_ai.prompt.name`,
 * `mcp.resource.uri`, `error.type`, `rpc.response.status_code`) plus the
 * gateway's own `only1mcp.*` keys. Never arguments, results or error
 * messages (any of them may quote what a user typed), never a session id or
 * a principal (a session id is a bearer credential). Every string is cut to
 * MAX_SPAN_ATTRIBUTE_CHARS: names and URIs are the client's text.
 */
import { GatewayError } from '../mcp/errors.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import { MAX_SPAN_ATTRIBUTE_CHARS } from './defaults.js';
import type { SpanAttributes, SpanOutcome } from './span-types.js';

export const ATTR_METHOD = 'mcp.method.name';
export const ATTR_TOOL = 'gen_ai.tool.name';
export const ATTR_PROMPT = 'gen_ai.prompt.name';
export const ATTR_RESOURCE_URI = 'mcp.resource.uri';
export const ATTR_PROTOCOL_VERSION = 'mcp.protocol.version';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_RPC_STATUS = 'rpc.response.status_code';
export const ATTR_BACKEND = 'only1mcp.backend';
export const ATTR_ERA = 'only1mcp.era';
export const ATTR_OUTCOME = 'only1mcp.outcome';

export function bounded(text: string): string {
  return text.length <= MAX_SPAN_ATTRIBUTE_CHARS ? text : `${text.slice(0, MAX_SPAN_ATTRIBUTE_CHARS - 1)}…`;
}

/** The target of a call method by its params: a tool or prompt name, or a resource URI (its query cut off: it may carry a token). */
export function targetAttributes(method: string, params: Readonly<Record<string, unknown>> | undefined, into: SpanAttributes = {}): SpanAttributes {
  into[ATTR_METHOD] = method;
  const name = params?.name;
  if (method === 'tools/call' && typeof name === 'string') into[ATTR_TOOL] = bounded(name);
  else if (method === 'prompts/get' && typeof name === 'string') into[ATTR_PROMPT] = bounded(name);
  else if (typeof params?.uri === 'string') into[ATTR_RESOURCE_URI] = bounded(withoutQuery(params.uri));
  return into;
}

export function requestAttributes(method: string, params: Readonly<Record<string, unknown>> | undefined, protocolVersion: string, era: string): SpanAttributes {
  // Every attribute is some 60 bytes of OTLP JSON per span: constant ones (network.transport is always tcp) are left out.
  return targetAttributes(method, params, { [ATTR_PROTOCOL_VERSION]: bounded(protocolVersion), [ATTR_ERA]: era });
}

function withoutQuery(uri: string): string {
  const q = uri.search(/[?#]/);
  return q === -1 ? uri : uri.slice(0, q);
}

/**
 * The outcome of a failed call: a JSON-RPC error the backend sent
 * ("error": the backend's answer), or a gateway error (its GW_ERR_* name;
 * a timeout, crash or refusal).
 */
export function errorOutcome(err: unknown): SpanOutcome {
  if (err instanceof UpstreamRpcError) return { errorType: String(err.code), code: err.code };
  if (err instanceof GatewayError) return { errorType: err.errorName, code: err.spec.rpc };
  return { errorType: err instanceof Error ? bounded(err.name) : 'error' };
}

/** A tools/call result the tool itself marked as failed (`isError`): an error for the span, not for the transport. */
export function resultOutcome(result: unknown): SpanOutcome | undefined {
  return (result as { isError?: unknown } | undefined)?.isError === true ? { errorType: 'tool_error' } : undefined;
}
