import { describe, expect, it } from 'vitest';
import { RpcConnection, UpstreamRpcError, toRpcError, type ConnectionHandlers } from '../../src/backends/rpc-connection.js';
import { GatewayError } from '../../src/mcp/errors.js';
import type { JsonObject, JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from '../../src/mcp/jsonrpc.js';

type Owner = string;

function setup(opts: { writable?: () => boolean; answer?: (req: JsonRpcRequest, owner: Owner | undefined) => Promise<JsonObject>; prefix?: string } = {}) {
  const sent: JsonRpcMessage[] = [];
  const notes: Array<{ message: JsonRpcNotification; owner: Owner | undefined }> = [];
  const asked: Array<{ message: JsonRpcRequest; owner: Owner | undefined }> = [];
  const invalid: string[] = [];
  const handlers: ConnectionHandlers<Owner> = {
    onNotification: (message, owner) => notes.push({ message, owner }),
    onServerRequest: (message, owner) => {
      asked.push({ message, owner });
      return opts.answer ? opts.answer(message, owner) : Promise.resolve({});
    },
    onInvalid: (reason) => invalid.push(reason),
  };
  const conn = new RpcConnection<Owner>(
    (m) => {
      sent.push(m);
      return opts.writable ? opts.writable() : undefined;
    },
    handlers,
    ...(opts.prefix === undefined ? [] : [opts.prefix]),
  );
  return { conn, sent, notes, asked, invalid };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Resolves to 'pending' when the promise has not settled by the next macrotask. */
async function state(p: Promise<unknown>): Promise<unknown> {
  return Promise.race([p, tick().then(() => 'pending')]);
}

describe('RpcConnection requests', () => {
  it('sends every request under a fresh id of its own and resolves with the matching response', async () => {
    const { conn, sent } = setup();
    const a = conn.request('tools/list', undefined, 'alice', 's1');
    const b = conn.request('tools/call', { name: 'x' }, 'bob', 's2');
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(sent).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x' } },
    ]);
    expect(conn.inFlightCount).toBe(2);
    conn.receive({ jsonrpc: '2.0', id: 2, result: { content: [] } });
    conn.receive({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'nope' } });
    await expect(b.response).resolves.toEqual({ jsonrpc: '2.0', id: 2, result: { content: [] } });
    await expect(a.response).resolves.toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'nope' } });
    expect(conn.inFlightCount).toBe(0);
  });

  it('never hands one caller another caller’s answer, even when 50 callers all used id 0', async () => {
    const { conn, sent } = setup();
    const callers = Array.from({ length: 50 }, (_, i) => ({ clientId: 0, n: i, call: conn.request('tools/call', { name: 'echo', arguments: { n: i } }, `client-${i}`, `session-${i}`) }));
    expect(new Set(sent.map((m) => (m as JsonRpcRequest).id)).size).toBe(50);
    // The backend answers out of order, echoing the argument it was given.
    for (const m of [...sent].reverse() as JsonRpcRequest[]) {
      conn.receive({ jsonrpc: '2.0', id: m.id, result: { echoed: (m.params!.arguments as JsonObject).n } });
    }
    for (const c of callers) expect(await c.call.response).toMatchObject({ result: { echoed: c.n } });
  });

  it('answers a request the link would not take at once as overloaded', async () => {
    const { conn, notes } = setup({ writable: () => false });
    const r = conn.request('tools/call', { name: 't', _meta: { progressToken: 'p' } }, 'alice', 's1');
    await expect(r.response).resolves.toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -31021, message: 'the backend is not reading its input (tools/call refused)', data: { code: 'GW_ERR_OVERLOADED' } },
    });
    expect(conn.inFlightCount).toBe(0);
    // Its progress route went with it.
    conn.receive({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'o1m-1', progress: 1 } });
    expect(notes).toEqual([]);
  });

  it('cancel tells the backend, forgets the call and drops the late response', async () => {
    const { conn, sent, invalid } = setup();
    const r = conn.request('tools/call', { name: 'slow' }, 'alice', 's1');
    conn.cancel(r.id, 'timed out after 5 ms');
    expect(sent.at(-1)).toEqual({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'timed out after 5 ms' } });
    expect(conn.inFlightCount).toBe(0);
    conn.receive({ jsonrpc: '2.0', id: 1, result: { late: true } });
    expect(await state(r.response)).toBe('pending');
    expect(invalid).toEqual([]);
    // Cancelling again (or an unknown id) sends nothing more.
    conn.cancel(r.id, 'again');
    conn.cancel(99, 'never sent');
    expect(sent).toHaveLength(2);
  });

  it('failAll fails every call in flight with the given error', async () => {
    const { conn } = setup();
    const a = conn.request('tools/call', { name: 'a' }, 'alice', 's1');
    const b = conn.request('resources/read', { uri: 'file:///b' }, 'bob', 's2', false);
    conn.failAll(new GatewayError('GW_ERR_BACKEND_CRASHED', 'backend x exited with code 1'));
    const error = { code: -31003, message: 'backend x exited with code 1', data: { code: 'GW_ERR_BACKEND_CRASHED' } };
    await expect(a.response).resolves.toEqual({ jsonrpc: '2.0', id: 1, error });
    await expect(b.response).resolves.toEqual({ jsonrpc: '2.0', id: 2, error });
    expect(conn.inFlightCount).toBe(0);
  });

  it('writes notifications with and without params', () => {
    const { conn, sent } = setup();
    conn.notify('notifications/initialized');
    conn.notify('notifications/roots/list_changed', {});
    expect(sent).toEqual([
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', method: 'notifications/roots/list_changed', params: {} },
    ]);
  });
});

describe('RpcConnection progress tokens', () => {
  it('rewrites the caller’s token per call and maps progress back to the caller’s own token and owner', () => {
    const { conn, sent, notes } = setup();
    const params = { name: 't', _meta: { progressToken: 7, other: 'kept' } };
    conn.request('tools/call', params, 'alice', 's1');
    conn.request('tools/call', { name: 't', _meta: { progressToken: 7 } }, 'bob', 's2');
    expect((sent[0] as JsonRpcRequest).params).toEqual({ name: 't', _meta: { progressToken: 'o1m-1', other: 'kept' } });
    expect((sent[1] as JsonRpcRequest).params?._meta).toEqual({ progressToken: 'o1m-2' });
    expect(params._meta.progressToken).toBe(7);

    conn.receive({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'o1m-2', progress: 5, total: 10 } });
    conn.receive({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'o1m-1', progress: 1 } });
    expect(notes).toEqual([
      { message: { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 7, progress: 5, total: 10 } }, owner: 'bob' },
      { message: { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 7, progress: 1 } }, owner: 'alice' },
    ]);
  });

  it('keeps string tokens and uses the configured prefix', () => {
    const { conn, sent, notes } = setup({ prefix: 'gw7-' });
    conn.request('prompts/get', { name: 'p', _meta: { progressToken: 'client-token' } }, 'alice', 's1');
    expect((sent[0] as JsonRpcRequest).params?._meta).toEqual({ progressToken: 'gw7-1' });
    conn.receive({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'gw7-1', progress: 1 } });
    expect(notes[0]?.message.params?.progressToken).toBe('client-token');
  });

  it('does not add a token the caller did not send', () => {
    const { conn, sent } = setup();
    conn.request('tools/call', { name: 't', _meta: { other: 1 } }, 'alice', 's1');
    expect((sent[0] as JsonRpcRequest).params).toEqual({ name: 't', _meta: { other: 1 } });
  });

  it('drops progress for unknown tokens and for calls that have finished', () => {
    const { conn, notes } = setup();
    const r = conn.request('tools/call', { _meta: { progressToken: 1 } }, 'alice', 's1');
    conn.receive({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'o1m-99', progress: 1 } });
    conn.receive({ jsonrpc: '2.0', id: r.id, result: {} });
    conn.receive({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'o1m-1', progress: 2 } });
    expect(notes).toEqual([]);
  });
});

describe('RpcConnection attribution', () => {
  const log = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'hello' } };

  it('attributes a log message to the single owner in flight', () => {
    const { conn, notes } = setup();
    conn.request('tools/call', {}, 'alice', 's1');
    conn.receive(log);
    expect(notes).toEqual([{ message: log, owner: 'alice' }]);
  });

  it('attributes to the newest call when every call in flight belongs to one group', () => {
    const { conn, notes } = setup();
    conn.request('tools/call', {}, 'alice-call-1', 's1');
    conn.request('tools/call', {}, 'alice-call-2', 's1');
    conn.receive(log);
    expect(notes[0]?.owner).toBe('alice-call-2');
  });

  it('refuses to guess when calls of several groups are in flight', () => {
    const { conn, notes } = setup();
    conn.request('tools/call', {}, 'alice', 's1');
    const bob = conn.request('tools/call', {}, 'bob', 's2');
    conn.receive(log);
    expect(notes[0]?.owner).toBeUndefined();
    // Once bob's call is answered, alice is the only owner left.
    conn.receive({ jsonrpc: '2.0', id: bob.id, result: {} });
    conn.receive(log);
    expect(notes[1]?.owner).toBe('alice');
  });

  it('does not count non-attributable calls (long-lived listens)', () => {
    const { conn, notes } = setup();
    conn.request('subscriptions/listen', {}, 'listener', 's0', false);
    conn.receive(log);
    conn.request('tools/call', {}, 'bob', 's2');
    conn.receive(log);
    expect(notes.map((n) => n.owner)).toEqual([undefined, 'bob']);
  });

  it('passes other notifications on without an owner', () => {
    const { conn, notes } = setup();
    conn.request('tools/call', {}, 'alice', 's1');
    conn.receive({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    expect(notes).toEqual([{ message: { jsonrpc: '2.0', method: 'notifications/tools/list_changed' }, owner: undefined }]);
  });

  it('attributes a server request like a log message and answers it under the backend’s own id', async () => {
    const { conn, sent, asked } = setup({ answer: async () => ({ roots: [] }) });
    conn.request('tools/call', {}, 'alice', 's1');
    conn.receive({ jsonrpc: '2.0', id: 'srv-1', method: 'roots/list' });
    await tick();
    expect(asked).toEqual([{ message: { jsonrpc: '2.0', id: 'srv-1', method: 'roots/list' }, owner: 'alice' }]);
    expect(sent.at(-1)).toEqual({ jsonrpc: '2.0', id: 'srv-1', result: { roots: [] } });
  });

  it('hands an ambiguous server request to the handler without an owner', async () => {
    const { conn, asked } = setup();
    conn.request('tools/call', {}, 'alice', 's1');
    conn.request('tools/call', {}, 'bob', 's2');
    conn.receive({ jsonrpc: '2.0', id: 0, method: 'sampling/createMessage', params: {} });
    await tick();
    expect(asked[0]?.owner).toBeUndefined();
  });

  it('does not let a call blocked on an unanswered client request make later calls ambiguous', async () => {
    const pendingAnswers: Array<(r: JsonObject) => void> = [];
    const { conn, asked } = setup({ answer: () => new Promise((resolve) => pendingAnswers.push(resolve)) });
    conn.request('tools/call', {}, 'alice', 's1');
    conn.receive({ jsonrpc: '2.0', id: 'a1', method: 'elicitation/create', params: {} });
    await tick();
    conn.request('tools/call', {}, 'bob', 's2');
    conn.receive({ jsonrpc: '2.0', id: 'b1', method: 'sampling/createMessage', params: {} });
    // Alice answers: her call is active again, and a new request is ambiguous.
    pendingAnswers[0]!({});
    await tick();
    conn.receive({ jsonrpc: '2.0', id: 'x1', method: 'sampling/createMessage', params: {} });
    expect(asked.map((a) => a.owner)).toEqual(['alice', 'bob', undefined]);
  });

  it('answers a failed server request with the error the handler raised', async () => {
    const errors = [
      new UpstreamRpcError(-32601, 'The client did not declare the sampling capability needed for sampling/createMessage'),
      new GatewayError('GW_ERR_CLIENT_NO_ANSWER', 'no answer'),
      new Error('plain failure'),
    ];
    const { conn, sent } = setup({ answer: async (req) => Promise.reject(errors[Number(req.id)]) });
    for (let id = 0; id < errors.length; id++) conn.receive({ jsonrpc: '2.0', id, method: 'sampling/createMessage', params: {} });
    await tick();
    expect(sent).toEqual([
      { jsonrpc: '2.0', id: 0, error: { code: -32601, message: 'The client did not declare the sampling capability needed for sampling/createMessage' } },
      { jsonrpc: '2.0', id: 1, error: { code: -31013, message: 'no answer', data: { code: 'GW_ERR_CLIENT_NO_ANSWER' } } },
      { jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'plain failure' } },
    ]);
  });
});

describe('RpcConnection invalid input', () => {
  it('reports messages that are not JSON-RPC', () => {
    const { conn, invalid } = setup();
    conn.receive('not an object');
    conn.receive({ jsonrpc: '2.0' });
    expect(invalid).toEqual(['a JSON-RPC message must be a JSON object', 'a JSON-RPC message needs a "method", a "result" or an "error"']);
  });

  it('reports responses whose id it never sent, and ignores ids it no longer waits for', () => {
    const { conn, invalid } = setup();
    conn.receive({ jsonrpc: '2.0', id: 'abc', result: {} });
    conn.receive({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    conn.receive({ jsonrpc: '2.0', id: 42, result: {} });
    expect(invalid).toEqual(['response with an id this connection never sent: "abc"', 'response with an id this connection never sent: null']);
  });
});

describe('toRpcError / UpstreamRpcError', () => {
  it('keeps the data of an upstream error only when there is some', () => {
    expect(new UpstreamRpcError(-32000, 'x', { a: 1 }).toJsonRpc()).toEqual({ code: -32000, message: 'x', data: { a: 1 } });
    expect(new UpstreamRpcError(-32000, 'x').toJsonRpc()).toEqual({ code: -32000, message: 'x' });
    expect(new UpstreamRpcError(-32000, 'x').name).toBe('UpstreamRpcError');
  });

  it('turns anything thrown into an internal error', () => {
    expect(toRpcError('a string')).toEqual({ code: -32603, message: 'a string' });
  });
});
