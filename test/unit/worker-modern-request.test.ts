import { describe, expect, it } from 'vitest';
import { unsupportedVersion, validateModern } from '../../src/worker/modern-request.js';
import { GatewayError, type ErrorName } from '../../src/mcp/errors.js';
import type { JsonObject, JsonRpcRequest } from '../../src/mcp/jsonrpc.js';
import type { RequestHead } from '../../src/worker/http/request-head.js';

const PV = 'io.modelcontextprotocol/protocolVersion';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const LEVEL = 'io.modelcontextprotocol/logLevel';

function head(overrides: Partial<RequestHead> = {}): RequestHead {
  return {
    method: 'POST',
    url: '/mcp',
    query: '',
    host: '127.0.0.1:7323',
    origin: '',
    contentType: 'application/json',
    accept: 'application/json, text/event-stream',
    sessionId: '',
    protocolVersion: '2026-07-28',
    mcpMethod: 'tools/call',
    mcpName: 'search',
    lastEventId: '',
    authorization: '',
    apiKey: '',
    contextMode: undefined,
    params: undefined,
    traceparent: '',
    tracestate: '',
    clientAddress: () => '127.0.0.1',
    framing: undefined,
    ...overrides,
  };
}

/** A request whose params carry `meta` as _meta; null: no _meta at all. */
function request(method: string, params: JsonObject, meta: JsonObject | null = { [PV]: '2026-07-28', [CAPS]: {} }): JsonRpcRequest {
  return { jsonrpc: '2.0', id: 1, method, params: meta === null ? params : { ...params, _meta: meta } };
}

const noSchema = () => undefined;

function failure(h: RequestHead, r: JsonRpcRequest, schema: (name: string) => unknown = noSchema): { name: ErrorName; message: string; data: unknown } {
  try {
    validateModern(h, r, schema);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    const e = err as GatewayError;
    return { name: e.errorName, message: e.message, data: e.data };
  }
  throw new Error('validateModern accepted the request');
}

const search = (meta?: JsonObject | null) => request('tools/call', { name: 'search', arguments: {} }, meta);

describe('validateModern: the _meta envelope', () => {
  it('accepts a complete request and returns its envelope', () => {
    const r = search({ [PV]: '2026-07-28', [CAPS]: { sampling: {} }, [LEVEL]: 'notice' });
    expect(validateModern(head(), r, noSchema)).toEqual({ protocolVersion: '2026-07-28', capabilities: { sampling: {} }, logLevel: 'notice' });
    expect(validateModern(head(), search(), noSchema).logLevel).toBeUndefined();
  });

  it('needs _meta protocolVersion first, before any header check', () => {
    const h = head({ protocolVersion: '', mcpMethod: 'wrong', mcpName: '' });
    expect(failure(h, search(null))).toEqual({
      name: 'GW_ERR_META_INVALID',
      message: 'Invalid params: params._meta["io.modelcontextprotocol/protocolVersion"] is required',
      data: undefined,
    });
    expect(failure(h, search({ [CAPS]: {} })).name).toBe('GW_ERR_META_INVALID');
  });

  it('needs clientCapabilities, and as an object', () => {
    expect(failure(head({ protocolVersion: '' }), search({ [PV]: '2026-07-28' }))).toMatchObject({
      name: 'GW_ERR_META_INVALID',
      message: 'Invalid params: params._meta["io.modelcontextprotocol/clientCapabilities"] is required (use {} for none)',
    });
    expect(failure(head(), search({ [PV]: '2026-07-28', [CAPS]: [] }))).toMatchObject({
      name: 'GW_ERR_META_INVALID',
      message: 'Invalid params: params._meta["io.modelcontextprotocol/clientCapabilities"] must be an object',
    });
  });

  it('needs protocolVersion to be a string', () => {
    expect(failure(head(), search({ [PV]: 20260728, [CAPS]: {} }))).toMatchObject({
      name: 'GW_ERR_META_INVALID',
      message: 'Invalid params: params._meta["io.modelcontextprotocol/protocolVersion"] must be a string',
    });
  });

  it('refuses an unknown log level, after the header checks', () => {
    const r = search({ [PV]: '2026-07-28', [CAPS]: {}, [LEVEL]: 'verbose' });
    expect(failure(head(), r)).toMatchObject({
      name: 'GW_ERR_META_INVALID',
      message: 'Invalid params: params._meta["io.modelcontextprotocol/logLevel"] must be a logging level',
    });
    expect(failure(head({ mcpMethod: 'tools/list' }), r).name).toBe('GW_ERR_HEADER_MISMATCH');
  });
});

describe('validateModern: MCP-Protocol-Version', () => {
  it('needs the header', () => {
    expect(failure(head({ protocolVersion: '' }), search())).toEqual({
      name: 'GW_ERR_HEADER_MISMATCH',
      message: 'Header mismatch: the MCP-Protocol-Version header is required',
      data: undefined,
    });
  });

  it('reports a header/body disagreement as a mismatch even when one side is unsupported', () => {
    expect(failure(head({ protocolVersion: '2025-11-25' }), search())).toMatchObject({
      name: 'GW_ERR_HEADER_MISMATCH',
      message: "Header mismatch: MCP-Protocol-Version header value '2025-11-25' does not match body value '2026-07-28'",
    });
    expect(failure(head(), search({ [PV]: '2099-01-01', [CAPS]: {} }))).toMatchObject({
      name: 'GW_ERR_HEADER_MISMATCH',
      message: "Header mismatch: MCP-Protocol-Version header value '2026-07-28' does not match body value '2099-01-01'",
    });
  });

  it('reports an agreed but unknown version as unsupported, listing what is supported', () => {
    const err = failure(head({ protocolVersion: '2099-01-01' }), search({ [PV]: '2099-01-01', [CAPS]: {} }));
    expect(err).toEqual({
      name: 'GW_ERR_UNSUPPORTED_VERSION',
      message: 'Unsupported protocol version',
      data: { supported: ['2026-07-28'], requested: '2099-01-01' },
    });
  });

  it('calls a legacy version in both places unsupported here too (this path is modern-only)', () => {
    expect(failure(head({ protocolVersion: '2025-11-25' }), search({ [PV]: '2025-11-25', [CAPS]: {} })).name).toBe('GW_ERR_UNSUPPORTED_VERSION');
  });
});

describe('validateModern: Mcp-Method and Mcp-Name', () => {
  it('needs Mcp-Method, equal to the body method', () => {
    expect(failure(head({ mcpMethod: '' }), search()).message).toBe('Header mismatch: the Mcp-Method header is required');
    expect(failure(head({ mcpMethod: 'tools/list' }), search()).message).toBe("Header mismatch: Mcp-Method header value 'tools/list' does not match body value 'tools/call'");
  });

  it('needs Mcp-Name for tools/call, prompts/get and resources/read only', () => {
    expect(failure(head({ mcpName: '' }), search()).message).toBe('Header mismatch: the Mcp-Name header is required for tools/call');
    const read = request('resources/read', { uri: 'file:///a' });
    expect(failure(head({ mcpMethod: 'resources/read', mcpName: '' }), read).message).toBe('Header mismatch: the Mcp-Name header is required for resources/read');
    expect(validateModern(head({ mcpMethod: 'resources/read', mcpName: 'file:///a' }), read, noSchema).protocolVersion).toBe('2026-07-28');
    expect(validateModern(head({ mcpMethod: 'tools/list', mcpName: '' }), request('tools/list', {}), noSchema).protocolVersion).toBe('2026-07-28');
  });

  it('compares Mcp-Name with the body after trimming and decoding the Base64 sentinel', () => {
    const r = request('prompts/get', { name: 'café' });
    expect(validateModern(head({ mcpMethod: 'prompts/get', mcpName: ' =?base64?Y2Fmw6k=?= ' }), r, noSchema).protocolVersion).toBe('2026-07-28');
    expect(failure(head({ mcpMethod: 'prompts/get', mcpName: 'cafe' }), r).message).toBe("Header mismatch: Mcp-Name header value 'cafe' does not match body value 'café'");
    expect(failure(head({ mcpMethod: 'prompts/get', mcpName: '=?base64?Y2Fmw6k?=' }), r)).toEqual({
      name: 'GW_ERR_HEADER_MISMATCH',
      message: 'Header mismatch: the Mcp-Name header has a malformed Base64 sentinel encoding',
      data: undefined,
    });
  });
});

describe('validateModern: Mcp-Param-* headers', () => {
  const schema = {
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      count: { type: 'integer', 'x-mcp-header': 'Count' },
      dry: { type: 'boolean', 'x-mcp-header': 'Dry-Run' },
      options: { type: 'object', properties: { tenant: { type: 'string', 'x-mcp-header': 'Tenant' } } },
    },
  };
  const lookups: string[] = [];
  const schemaFor = (name: string) => {
    lookups.push(name);
    return schema;
  };
  const call = (args: JsonObject) => request('tools/call', { name: 'search', arguments: args });

  it('accepts headers that equal the arguments (numbers numerically, booleans as text, strings decoded)', () => {
    const h = head({ params: { region: '=?base64?w7xiZXI=?=', count: '42.0', 'dry-run': 'false', tenant: 'acme' } });
    expect(validateModern(h, call({ region: 'über', count: 42, dry: false, options: { tenant: 'acme' } }), schemaFor).protocolVersion).toBe('2026-07-28');
    expect(lookups.at(-1)).toBe('search');
  });

  it('needs a header for every annotated argument present, naming its path', () => {
    expect(failure(head(), call({ region: 'eu' }), schemaFor).message).toBe('Header mismatch: the Mcp-Param-Region header is required because arguments.region is present');
    expect(failure(head({ params: { region: 'eu' } }), call({ region: 'eu', options: { tenant: 't' } }), schemaFor).message).toBe(
      'Header mismatch: the Mcp-Param-Tenant header is required because arguments.options.tenant is present',
    );
  });

  it('needs no header for an absent or null argument, and ignores a header for one', () => {
    expect(validateModern(head({ params: { region: 'eu' } }), call({ region: null }), schemaFor).protocolVersion).toBe('2026-07-28');
    expect(validateModern(head(), call({}), schemaFor).protocolVersion).toBe('2026-07-28');
    expect(validateModern(head(), request('tools/call', { name: 'search' }), schemaFor).protocolVersion).toBe('2026-07-28');
  });

  it('refuses a header that disagrees with its argument', () => {
    expect(failure(head({ params: { region: 'us' } }), call({ region: 'eu' }), schemaFor).message).toBe("Header mismatch: Mcp-Param-Region header value 'us' does not match body value 'eu'");
    expect(failure(head({ params: { count: '41' } }), call({ count: 42 }), schemaFor).message).toBe("Header mismatch: Mcp-Param-Count header value '41' does not match body value '42'");
    expect(failure(head({ params: { 'dry-run': 'True' } }), call({ dry: true }), schemaFor).message).toBe("Header mismatch: Mcp-Param-Dry-Run header value 'True' does not match body value 'true'");
  });

  it('refuses a malformed Base64 sentinel', () => {
    expect(failure(head({ params: { region: '=?base64?!!!?=' } }), call({ region: 'eu' }), schemaFor)).toEqual({
      name: 'GW_ERR_HEADER_MISMATCH',
      message: 'Header mismatch: the Mcp-Param-Region header has a malformed Base64 sentinel encoding',
      data: undefined,
    });
  });

  it('checks nothing for a tool it does not know', () => {
    expect(validateModern(head(), call({ region: 'eu' }), noSchema).protocolVersion).toBe('2026-07-28');
  });

  // BUG (src/worker/modern-request.ts:80): numbers are compared with Number(decoded), which reads
  // '' and '  ' as 0 and accepts hex and exponent forms, so a header that a router would read
  // differently from the body passes. The SDK only compares canonical decimals numerically.
  it('refuses a non-decimal header for a numeric argument', () => {
    expect(failure(head({ params: { count: '' } }), call({ count: 0 }), schemaFor).name).toBe('GW_ERR_HEADER_MISMATCH');
    expect(failure(head({ params: { count: '0x2A' } }), call({ count: 42 }), schemaFor).name).toBe('GW_ERR_HEADER_MISMATCH');
  });

  // BUG (src/worker/modern-request.ts:76-77): a value a client cannot put in a header (an unsafe
  // integer; the SDK client omits the header for it) is still demanded, so such calls are refused.
  it('does not demand a header for an argument no header can carry', () => {
    expect(validateModern(head(), call({ count: 2 ** 60 }), schemaFor).protocolVersion).toBe('2026-07-28');
  });
});

describe('unsupportedVersion', () => {
  it('carries the supported list and the requested value as text', () => {
    const err = unsupportedVersion(20260728);
    expect(err.errorName).toBe('GW_ERR_UNSUPPORTED_VERSION');
    expect(err.rpcCode).toBe(-32022);
    expect(err.data).toEqual({ supported: ['2026-07-28'], requested: '20260728' });
  });
});
