/**
 * Many clients sharing one backend never see each other's answers, and a
 * backend that crashes, hangs or misbehaves costs only the calls it was
 * serving: the client gets a clear backend error, the backend is restarted,
 * and the next call works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(`
servers:
${fixtureServer('box', 'toolbox-server.js')}
${fixtureServer('old', 'toolbox-server.js', ['--era', 'legacy', '--name', 'old'], '    isolation: shared\n')}
${fixtureServer('slow', 'toolbox-server.js', ['--name', 'slow'], '    timeoutMs: 300\n')}
`);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAll();
});

interface RpcOk {
  id: number;
  result?: { content: Array<{ text: string }> };
  error?: { code: number; message: string; data?: { code?: string } };
}

async function call(sid: string | undefined, id: number, name: string, args: Record<string, unknown>): Promise<RpcOk> {
  const headers: Record<string, string> = sid ? { 'mcp-session-id': sid } : { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name };
  const params: Record<string, unknown> = { name, arguments: args };
  if (!sid) params._meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const res = await post(gateway.url, { jsonrpc: '2.0', id, method: 'tools/call', params }, headers);
  return res.json() as RpcOk;
}

describe('id isolation', () => {
  it('50 legacy clients whose ids all start at 0 each get only their own answers, on a modern and a legacy backend', async () => {
    const sessions = await Promise.all(Array.from({ length: 50 }, () => rawSession(gateway.url)));
    const calls: Array<Promise<void>> = [];
    for (const [i, sid] of sessions.entries()) {
      for (let id = 0; id < 4; id++) {
        const backend = id % 2 === 0 ? 'box' : 'old';
        const message = `client ${i} request ${id}`;
        calls.push(
          call(sid, id, `${backend}__echo`, { message }).then((r) => {
            expect(r.id).toBe(id);
            expect(r.result?.content[0]?.text).toBe(message);
          }),
        );
      }
    }
    await Promise.all(calls);
  });

  it('50 stateless (2026-07-28) clients with the same id get their own answers', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(undefined, 0, 'box__echo', { message: `modern ${i}` }).then((r) => {
          expect(r.id).toBe(0);
          expect(r.result?.content[0]?.text).toBe(`modern ${i}`);
        }),
      ),
    );
  });
});

describe('backend faults', () => {
  it('a backend crash mid-call: clear backend error, the backend is restarted, the next call works', async () => {
    const sid = await rawSession(gateway.url);
    const before = (await call(sid, 1, 'box__whoami', {})).result?.content[0]?.text;
    const crashed = await call(sid, 2, 'box__crash', {});
    expect(crashed.error?.code).toBe(-31003);
    expect(crashed.error?.data?.code).toBe('GW_ERR_BACKEND_CRASHED');
    expect(crashed.error?.message).toMatch(/backend box exited/);
    // The restart takes one backoff step (250 ms) plus a handshake.
    let after: RpcOk | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      after = await call(sid, 3 + attempt, 'box__whoami', {});
      if (after.result) break;
      expect(after.error?.data?.code).toBe('GW_ERR_BACKEND_UNAVAILABLE');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after?.result?.content[0]?.text).toMatch(/^\d+$/);
    expect(after?.result?.content[0]?.text).not.toBe(before);
    expect((await call(sid, 99, 'box__echo', { message: 'alive' })).result?.content[0]?.text).toBe('alive');
  });

  it('other backends keep serving while one is down', async () => {
    const sid = await rawSession(gateway.url);
    const crash = call(sid, 1, 'box__crash', {});
    const other = await call(sid, 2, 'old__echo', { message: 'unaffected' });
    expect(other.result?.content[0]?.text).toBe('unaffected');
    expect((await crash).error?.code).toBe(-31003);
  });

  it('a call that outlives its timeout gets a backend timeout error and the backend stays usable', async () => {
    const sid = await rawSession(gateway.url);
    const slow = await call(sid, 1, 'slow__sleep', { ms: 2_000 });
    expect(slow.error?.code).toBe(-31002);
    expect(slow.error?.message).toMatch(/did not answer within 300 ms/);
    expect((await call(sid, 2, 'slow__echo', { message: 'still here' })).result?.content[0]?.text).toBe('still here');
  });

  it('notifications/cancelled stops the call at the backend and frees the client', async () => {
    const sid = await rawSession(gateway.url);
    const pending = call(sid, 7, 'old__sleep', { ms: 5_000 });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const ack = await post(gateway.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user' } }, { 'mcp-session-id': sid });
    expect(ack.status).toBe(202);
    const result = await pending;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.result).toBeUndefined();
    expect((await call(sid, 8, 'old__echo', { message: 'next' })).result?.content[0]?.text).toBe('next');
  });
});
