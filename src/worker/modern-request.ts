/**
 * Validates a 2026-07-28 request: its `_meta` envelope and the HTTP headers
 * that mirror the body (MCP-Protocol-Version, Mcp-Method, Mcp-Name,
 * Mcp-Param-*). A gateway is exactly the intermediary the header–body rule
 * protects: a load balancer may route on the headers while the gateway acts
 * on the body, so any disagreement is refused with 400 / -32020.
 */
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject, type JsonRpcRequest } from '../mcp/jsonrpc.js';
import { decodeHeaderValue, paramHeaderValue, paramHeaders, routingName } from '../mcp/headers.js';
import { MODERN_VERSIONS, isLogLevel } from '../mcp/versions.js';
import { modernInfo, type ModernRequestInfo } from './mcp-service.js';
import type { RequestHead } from './http/request-head.js';

function mismatch(message: string): GatewayError {
  return new GatewayError('GW_ERR_HEADER_MISMATCH', `Header mismatch: ${message}`);
}

export function unsupportedVersion(requested: unknown): GatewayError {
  return new GatewayError('GW_ERR_UNSUPPORTED_VERSION', 'Unsupported protocol version', {
    supported: [...MODERN_VERSIONS],
    requested: typeof requested === 'string' ? requested : String(requested),
  });
}

/**
 * Checks a modern request and returns its envelope. `toolSchema` looks up a
 * tool's input schema for `x-mcp-header` checks (undefined: unknown tool).
 */
export function validateModern(head: RequestHead, request: JsonRpcRequest, toolSchema: (name: string) => unknown): ModernRequestInfo {
  const info = modernInfo(request);
  // Order matters: a missing envelope is invalid params; a header that disagrees with the
  // envelope is a mismatch; only an agreed but unknown version is "unsupported".
  if (info.version === undefined) throw metaInvalid('params._meta["io.modelcontextprotocol/protocolVersion"] is required');
  if (info.capabilities === undefined) throw metaInvalid('params._meta["io.modelcontextprotocol/clientCapabilities"] is required (use {} for none)');
  if (!isObject(info.capabilities)) throw metaInvalid('params._meta["io.modelcontextprotocol/clientCapabilities"] must be an object');
  if (typeof info.version !== 'string') throw metaInvalid('params._meta["io.modelcontextprotocol/protocolVersion"] must be a string');
  const headerVersion = head.protocolVersion;
  if (headerVersion === '') throw mismatch('the MCP-Protocol-Version header is required');
  if (info.version !== headerVersion) {
    throw mismatch(`MCP-Protocol-Version header value '${headerVersion}' does not match body value '${info.version}'`);
  }
  if (!(MODERN_VERSIONS as readonly string[]).includes(headerVersion)) throw unsupportedVersion(headerVersion);
  if (head.mcpMethod === '') throw mismatch('the Mcp-Method header is required');
  if (head.mcpMethod !== request.method) throw mismatch(`Mcp-Method header value '${head.mcpMethod}' does not match body value '${request.method}'`);
  const name = routingName(request.method, request.params);
  if (name !== undefined) {
    if (head.mcpName === '') throw mismatch('the Mcp-Name header is required for ' + request.method);
    const decoded = decodeHeaderValue(head.mcpName.trim());
    if (decoded === undefined) throw mismatch('the Mcp-Name header has a malformed Base64 sentinel encoding');
    if (decoded !== name) throw mismatch(`Mcp-Name header value '${decoded}' does not match body value '${name}'`);
    if (request.method === 'tools/call') checkParamHeaders(head, request.params ?? {}, toolSchema(name));
  }
  if (info.logLevel !== undefined && !isLogLevel(info.logLevel)) {
    throw metaInvalid('params._meta["io.modelcontextprotocol/logLevel"] must be a logging level');
  }
  return {
    protocolVersion: headerVersion,
    capabilities: info.capabilities,
    logLevel: isLogLevel(info.logLevel) ? info.logLevel : undefined,
    clientInfo: isObject(info.clientInfo) ? info.clientInfo : undefined,
  };
}

function metaInvalid(message: string): GatewayError {
  return new GatewayError('GW_ERR_META_INVALID', `Invalid params: ${message}`);
}

/** Mcp-Param-* headers of annotated tool arguments must be present and equal to the body values. */
function checkParamHeaders(head: RequestHead, params: JsonObject, schema: unknown): void {
  if (schema === undefined) return;
  const args = isObject(params.arguments) ? params.arguments : {};
  for (const { header, path } of paramHeaders(schema)) {
    let value: unknown = args;
    for (const key of path) value = isObject(value) ? value[key] : undefined;
    const sent = head.params?.[header.toLowerCase()];
    // A value with no header form (null, an unsafe integer, a fraction) is not expected in a header.
    if (paramHeaderValue(args, path) === undefined) continue;
    if (sent === undefined) throw mismatch(`the Mcp-Param-${header} header is required because arguments.${path.join('.')} is present`);
    const decoded = decodeHeaderValue(sent);
    if (decoded === undefined) throw mismatch(`the Mcp-Param-${header} header has a malformed Base64 sentinel encoding`);
    const equal =
      typeof value === 'number' ? /^-?\d+(\.0+)?$/.test(decoded) && Number(decoded) === value : typeof value === 'boolean' ? decoded === String(value) : decoded === value;
    if (!equal) throw mismatch(`Mcp-Param-${header} header value '${decoded}' does not match body value '${String(value)}'`);
  }
}
