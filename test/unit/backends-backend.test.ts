import { describe, expect, it } from 'vitest';
import { Backend, MAX_INPUT_ROUNDS, answerInputRequests, type CallContext } from '../../src/backends/backend.js';
import type { BackendLink, LinkCall, LinkHooks, LinkStatus } from '../../src/backends/link.js';
import type { BackendIdentity } from '../../src/backends/handshake.js';
import type { ServerConfig } from '../../src/config/model.js';
import { GatewayError } from '../../src/mcp/errors.js';
import { GATEWAY_INFO } from '../../src/mcp/identity.js';
import type { JsonObject, JsonRpcNotification } from '../../src/mcp/jsonrpc.js';
import type { LogLevel } from '../../src/mcp/versions.js';
import { commonDefaults } from '../helpers/server-config.js';

const PV = 'io.modelcontextprotocol/protocolVersion';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const INFO = 'io.modelcontextprotocol/clientInfo';
const LEVEL = 'io.modelcontextprotocol/logLevel';

/** A BackendLink whose calls are answered by a script, one answer per call. */
class ScriptedLink implements BackendLink {
  readonly name = 'github';
  readonly calls: LinkCall[] = [];
  readonly notified: Array<{ method: string; params: JsonObject | undefined }> = [];
  private current: LinkStatus;

  constructor(
    era: 'legacy' | 'modern' | undefined,
    private readonly answer: (call: LinkCall, index: number) => Promise<JsonObject> = async () => ({ ok: true }),
  ) {
    const identity: BackendIdentity | undefined =
      era === undefined ? undefined : { era, protocolVersion: era === 'modern' ? '2026-07-28' : '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'gh', version: '1' }, instructions: undefined };
    this.current = { state: era === undefined ? 'starting' : 'ready', identity, lastError: undefined, generation: 1 };
  }

  status(): LinkStatus {
    return this.current;
  }

  call(call: LinkCall): Promise<JsonObject> {
    this.calls.push(call);
    return this.answer(call, this.calls.length - 1);
  }

  notify(method: string, params?: JsonObject): void {
    this.notified.push({ method, params });
  }

  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  setLogLevel(_level: LogLevel | undefined): void {}
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

const config: ServerConfig = {
  name: 'github',
  type: 'streamable-http',
  url: 'http://127.0.0.1:1/mcp',
  headers: {},
  replicas: [{ id: 'http://127.0.0.1:1/mcp', url: 'http://127.0.0.1:1/mcp', headers: {}, weight: 1 }],
  common: commonDefaults('github', 5_000),
};

function context(overrides: Partial<CallContext> = {}, answers: Record<string, JsonObject> = {}): CallContext & { asked: Array<{ method: string; params: JsonObject | undefined }> } {
  const asked: Array<{ method: string; params: JsonObject | undefined }> = [];
  const hooks: LinkHooks = {
    onNotification: (_n: JsonRpcNotification) => undefined,
    onServerRequest: async (method, params) => {
      asked.push({ method, params });
      return answers[method] ?? {};
    },
  };
  return { clientCapabilities: { sampling: {} }, logLevel: undefined, hooks, acceptInputRequired: false, signal: undefined, group: 's1', asked, ...overrides };
}

describe('Backend: identity', () => {
  it('reads name, readiness, era and capabilities from the link', () => {
    expect(new Backend(config, new ScriptedLink('modern')).era).toBe('modern');
    const starting = new Backend(config, new ScriptedLink(undefined));
    expect([starting.name, starting.ready, starting.era, starting.capabilities]).toEqual(['github', false, undefined, {}]);
    const ready = new Backend(config, new ScriptedLink('legacy'));
    expect([ready.ready, ready.era, ready.capabilities]).toEqual([true, 'legacy', { tools: {} }]);
    expect(ready.status().state).toBe('ready');
  });

  it('passes notifications to the link', () => {
    const link = new ScriptedLink('legacy');
    new Backend(config, link).notify('notifications/cancelled', { requestId: 1 });
    expect(link.notified).toEqual([{ method: 'notifications/cancelled', params: { requestId: 1 } }]);
  });
});

describe('Backend: the link call', () => {
  it('carries hooks, signal, group, the server timeout by default and a routing name', async () => {
    const link = new ScriptedLink('legacy');
    const ctx = context({ signal: new AbortController().signal, group: 'session-9' });
    await new Backend(config, link).call('tools/call', { name: 'create_issue' }, ctx);
    await new Backend(config, link).call('resources/read', { uri: 'repo://x', name: 'not this' }, { ...ctx, timeoutMs: 77 });
    await new Backend(config, link).call('prompts/get', { name: 42 }, ctx);
    const [tool, resource, prompt] = link.calls;
    expect(tool).toMatchObject({ method: 'tools/call', timeoutMs: 5_000, group: 'session-9', routingName: 'create_issue', headers: undefined });
    expect(tool!.hooks).toBe(ctx.hooks);
    expect(tool!.signal).toBe(ctx.signal);
    expect(resource).toMatchObject({ timeoutMs: 77, routingName: 'repo://x' });
    expect(prompt!.routingName).toBeUndefined();
  });

  it('mirrors x-mcp-header arguments of a tools/call as lower-cased Mcp-Param-* headers', async () => {
    const link = new ScriptedLink('modern');
    const toolSchema = {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        count: { type: 'integer', 'x-mcp-header': 'Count' },
        note: { type: 'string', 'x-mcp-header': 'Note' },
        absent: { type: 'string', 'x-mcp-header': 'Absent' },
      },
    };
    const backend = new Backend(config, link);
    await backend.call('tools/call', { name: 't', arguments: { region: 'eu', count: 3, note: 'über' } }, context({ toolSchema }));
    expect(link.calls[0]!.headers).toEqual({ 'mcp-param-region': 'eu', 'mcp-param-count': '3', 'mcp-param-note': '=?base64?w7xiZXI=?=' });
    await backend.call('tools/call', { name: 't', arguments: {} }, context({ toolSchema }));
    expect(link.calls[1]!.headers).toBeUndefined();
    await backend.call('prompts/get', { name: 't', arguments: { region: 'eu' } }, context({ toolSchema }));
    expect(link.calls[2]!.headers).toBeUndefined();
  });
});

describe('Backend: legacy era', () => {
  it('strips modern reserved _meta keys and keeps the rest (progressToken included)', async () => {
    const link = new ScriptedLink('legacy');
    const params = { name: 't', _meta: { progressToken: 5, [PV]: '2026-07-28', [CAPS]: {}, [LEVEL]: 'debug', 'com.example/trace': 'abc' } };
    await new Backend(config, link).call('tools/call', params, context({ logLevel: 'info' }));
    expect(link.calls[0]!.params).toEqual({ name: 't', _meta: { progressToken: 5, 'com.example/trace': 'abc' } });
    expect(params._meta[PV]).toBe('2026-07-28');
  });

  it('drops a _meta left empty, and leaves params without _meta as they are', async () => {
    const link = new ScriptedLink('legacy');
    const backend = new Backend(config, link);
    await backend.call('tools/call', { name: 't', _meta: { [PV]: '2026-07-28' } }, context());
    const plain = { name: 'u' };
    await backend.call('tools/call', plain, context());
    await backend.call('tools/list', undefined, context());
    expect(link.calls[0]!.params).toEqual({ name: 't' });
    expect(link.calls[1]!.params).toBe(plain);
    expect(link.calls[2]!.params).toBeUndefined();
  });

  it('treats a backend whose era is not known yet like a legacy one', async () => {
    const link = new ScriptedLink(undefined);
    await new Backend(config, link).call('ping', { _meta: { [CAPS]: {} } }, context());
    expect(link.calls[0]!.params).toEqual({});
  });
});

describe('Backend: modern era', () => {
  it('puts the caller’s capabilities, the gateway identity and the revision in _meta', async () => {
    const link = new ScriptedLink('modern');
    await new Backend(config, link).call('tools/list', undefined, context({ clientCapabilities: { elicitation: { form: {} } } }));
    expect(link.calls[0]!.params).toEqual({ _meta: { [PV]: '2026-07-28', [CAPS]: { elicitation: { form: {} } }, [INFO]: GATEWAY_INFO } });
  });

  it('adds the log level when the caller set one', async () => {
    const link = new ScriptedLink('modern');
    await new Backend(config, link).call('tools/list', {}, context({ logLevel: 'warning' }));
    expect(link.calls[0]!.params!._meta).toMatchObject({ [LEVEL]: 'warning' });
  });

  it('replaces the caller’s reserved keys, drops unknown reserved ones, keeps progressToken and its own keys', async () => {
    const link = new ScriptedLink('modern');
    const params = {
      name: 't',
      _meta: { progressToken: 'tok', [PV]: '2025-11-25', [CAPS]: { roots: {} }, [INFO]: { name: 'client' }, [LEVEL]: 'debug', 'io.modelcontextprotocol/other': 1, 'vendor/key': true },
    };
    await new Backend(config, link).call('tools/call', params, context({ clientCapabilities: { sampling: {} } }));
    expect(link.calls[0]!.params).toEqual({
      name: 't',
      _meta: { [PV]: '2026-07-28', [CAPS]: { sampling: {} }, [INFO]: GATEWAY_INFO, progressToken: 'tok', 'vendor/key': true },
    });
  });

  it('answers input_required through the hooks and retries with inputResponses and requestState', async () => {
    const sampling = { messages: [], maxTokens: 1 };
    const link = new ScriptedLink('modern', async (_call, i) =>
      i === 0
        ? {
            resultType: 'input_required',
            inputRequests: { s: { method: 'sampling/createMessage', params: sampling }, r: { method: 'roots/list' }, junk: 'x', nomethod: { params: {} } },
            requestState: 'state-1',
          }
        : { content: [{ type: 'text', text: 'final' }] },
    );
    const ctx = context({}, { 'sampling/createMessage': { content: { type: 'text', text: 'hi' } }, 'roots/list': { roots: [] } });
    const result = await new Backend(config, link).call('tools/call', { name: 't', arguments: { a: 1 } }, ctx);
    expect(result).toEqual({ content: [{ type: 'text', text: 'final' }] });
    expect(ctx.asked).toEqual([
      { method: 'sampling/createMessage', params: sampling },
      { method: 'roots/list', params: undefined },
    ]);
    expect(link.calls).toHaveLength(2);
    expect(link.calls[1]!.params).toEqual({
      ...link.calls[0]!.params,
      inputResponses: { s: { content: { type: 'text', text: 'hi' } }, r: { roots: [] } },
      requestState: 'state-1',
    });
  });

  it('returns input_required as it is to a caller that forwards it to a modern client', async () => {
    const pending = { resultType: 'input_required', inputRequests: { a: { method: 'roots/list' } }, requestState: 's' };
    const link = new ScriptedLink('modern', async () => pending);
    const ctx = context({ acceptInputRequired: true });
    await expect(new Backend(config, link).call('tools/call', { name: 't' }, ctx)).resolves.toBe(pending);
    expect(ctx.asked).toEqual([]);
    expect(link.calls).toHaveLength(1);
  });

  it('gives up after MAX_INPUT_ROUNDS rounds of input_required', async () => {
    expect(MAX_INPUT_ROUNDS).toBe(16);
    const link = new ScriptedLink('modern', async () => ({ resultType: 'input_required', inputRequests: { a: { method: 'roots/list' } } }));
    const err = await new Backend(config, link).call('tools/call', { name: 't' }, context()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).errorName).toBe('GW_ERR_BACKEND_PROTOCOL');
    expect((err as GatewayError).message).toBe('backend github asked for input more than 16 times on one tools/call');
    expect(link.calls).toHaveLength(MAX_INPUT_ROUNDS + 1);
  });

  it('fails the call with the hook’s error when the caller cannot answer', async () => {
    const refused = new Error('client refused');
    const link = new ScriptedLink('modern', async () => ({ resultType: 'input_required', inputRequests: { a: { method: 'roots/list' } } }));
    const ctx = context({ hooks: { onNotification: () => undefined, onServerRequest: () => Promise.reject(refused) } });
    await expect(new Backend(config, link).call('tools/call', { name: 't' }, ctx)).rejects.toBe(refused);
    expect(link.calls).toHaveLength(1);
  });

  // BUG (src/backends/backend.ts:75): each retry is built by merging onto the previous retry's
  // params, so when a later round carries no requestState the previous round's state is sent again.
  it('does not resend an earlier round’s requestState when the latest round has none', async () => {
    const link = new ScriptedLink('modern', async (_call, i) => {
      if (i === 0) return { resultType: 'input_required', inputRequests: { a: { method: 'roots/list' } }, requestState: 'round-1' };
      if (i === 1) return { resultType: 'input_required', inputRequests: { b: { method: 'roots/list' } } };
      return { done: true };
    });
    await new Backend(config, link).call('tools/call', { name: 't' }, context());
    expect(link.calls[2]!.params).not.toHaveProperty('requestState');
  });
});

describe('answerInputRequests', () => {
  it('answers nothing for a result without inputRequests, and carries only a string requestState', async () => {
    const hooks: LinkHooks = { onNotification: () => undefined, onServerRequest: async () => ({}) };
    await expect(answerInputRequests({ resultType: 'input_required' }, hooks)).resolves.toEqual({ inputResponses: {} });
    await expect(answerInputRequests({ inputRequests: [], requestState: 7 }, hooks)).resolves.toEqual({ inputResponses: {} });
  });
});
