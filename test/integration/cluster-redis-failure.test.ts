/**
 * Redis down at start and Redis killed mid-load: the gateway keeps answering
 * from local state, reports itself degraded on /health and in metrics,
 * never queues requests behind the dead connection, refuses what truly needs
 * Redis with a clear error, and recovers within 10 s of Redis's return.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/redis.js';
import { freePort } from '../helpers/ports.js';
import { stopAll } from '../helpers/processes.js';

afterAll(stopAll);

const CONFIG = `servers:\n${fixtureServer('box', 'toolbox-server.js')}\n`;
const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };

async function health(base: string): Promise<{ status: number; body: { status: string; degraded?: Record<string, string> } }> {
  const res = await fetch(`${base}/health`);
  return { status: res.status, body: (await res.json()) as { status: string; degraded?: Record<string, string> } };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not reached within ${timeoutMs} ms`);
}

describe('Redis failures', () => {
  it('Redis down at start: the gateway starts, serves, says degraded, and syncs when Redis arrives', async () => {
    const port = await freePort();
    const gateway = await startGateway(CONFIG, { workers: 2, extraArgs: ['--redis', `redis://127.0.0.1:${port}`] });
    // Metrics first: they must say degraded without anyone having asked /health.
    const metrics = await (await fetch(`${gateway.base}/metrics`)).text();
    expect(metrics).toMatch(/only1mcp_state_store_up 0\n/);
    expect(metrics).toMatch(/only1mcp_degraded 1\n/);
    const h = await health(gateway.base);
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('degraded');
    expect(h.body.degraded?.redis).toMatch(/unreachable|not connected/);
    const sid = await rawSession(gateway.url);
    expect(await (await fetch(`${gateway.base}/metrics`)).text()).toMatch(/only1mcp_sessions [1-9]/);
    const stateless = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'no redis' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'box__echo' });
    expect(JSON.stringify(stateless.json())).toContain('no redis');

    // Redis comes up on the configured port: the gateway connects and writes the session it kept locally.
    const { start, waitForLine } = await import('../helpers/processes.js');
    const late = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitForLine(late, /Ready to accept connections/);
    await until(async () => (await health(gateway.base)).body.status === 'ok', 10_000);
    // Node-level gauges: merged over both workers, not added up.
    await until(async () => /only1mcp_state_store_up 1\n/.test(await (await fetch(`${gateway.base}/metrics`)).text()), 5_000);
    expect(await (await fetch(`${gateway.base}/metrics`)).text()).toMatch(/only1mcp_degraded 0\n/);
    const { Redis } = await import('ioredis');
    const client = new Redis(port, '127.0.0.1');
    await until(async () => (await client.exists(`o1m:sess:${sid}`)) === 1, 5_000);
    client.disconnect();
    await gateway.stop();
    await late.stop();
  });

  it('Redis killed and restarted mid-load: answers keep coming, nothing crashes, recovery within 10 s', async () => {
    const redis = await startRedis();
    const gateway = await startGateway(CONFIG, { workers: 2, extraArgs: ['--redis', redis.url] });
    const sid = await rawSession(gateway.url);
    const workersBefore = new Set<string>();
    let stop = false;
    const results: Array<{ at: number; ok: boolean; status: number }> = [];
    const lane = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const started = Date.now();
        try {
          const res = await request(gateway.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': sid, connection: 'close' },
            body: JSON.stringify({ jsonrpc: '2.0', id: n * 1e6 + i, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'load' } } }),
            headersTimeout: 5_000,
          });
          const body = await res.body.text();
          workersBefore.add(String(res.headers['x-only1mcp-worker']));
          results.push({ at: started, ok: res.statusCode === 200 && body.includes('load'), status: res.statusCode });
        } catch {
          results.push({ at: started, ok: false, status: 0 });
        }
      }
    };
    const lanes = Array.from({ length: 6 }, (_, n) => lane(n));
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    await redis.kill();
    await until(async () => (await health(gateway.base)).body.status === 'degraded', 5_000);
    await new Promise((r) => setTimeout(r, 1_000));
    // While Redis is down: known sessions work; an unknown session is a clear 503, not a wrong 404.
    const unknown = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'not-a-session-this-worker-knows' });
    expect(unknown.status).toBe(503);
    expect(unknown.json()).toMatchObject({ error: { code: -31022 } });
    await redis.restart();
    const restartedAt = Date.now();
    const recovered = await until(async () => (await health(gateway.base)).body.status === 'ok', 10_000);
    expect(recovered).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(lanes);

    const during = results.filter((r) => r.at > killedAt + 200 && r.at < restartedAt);
    expect(during.length).toBeGreaterThan(20);
    expect(during.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.at > restartedAt + recovered).every((r) => r.ok)).toBe(true);
    // No worker restarted: the same two pids served before and after.
    const after = new Set<string>();
    for (let i = 0; i < 30 && after.size < 2; i++) {
      const res = await request(`${gateway.base}/health`, { headers: { connection: 'close' } });
      await res.body.dump();
      after.add(String(res.headers['x-only1mcp-worker']));
    }
    expect([...after].every((w) => workersBefore.has(w))).toBe(true);
    expect(gateway.proc.output()).not.toMatch(/worker exited|uncaught/i);
    await gateway.stop();
    await redis.stop();
  });

  it('a node that started without Redis joins the cluster\'s requestState key when Redis arrives', async () => {
    const port = await freePort();
    const config = `servers:\n${fixtureServer('old', 'toolbox-server.js', ['--era', 'legacy', '--name', 'old'])}\n`;
    const lonely = await startGateway(config, { extraArgs: ['--redis', `redis://127.0.0.1:${port}`] });
    const redis = await startRedis(port);
    const other = await startGateway(config, { extraArgs: ['--redis', redis.url] });
    // A held call on the node that started alone, retried through the other: this works once both seal with one key.
    const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'old__ask_llm' };
    const retryAcross = async () => {
      const first = await post(lonely.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'old__ask_llm', arguments: { prompt: 'hi' }, _meta: MODERN_META } }, headers);
      const round = (first.json() as { result: { inputRequests: Record<string, unknown>; requestState: string } }).result;
      const [key] = Object.keys(round.inputRequests);
      const answer = { role: 'assistant', content: { type: 'text', text: 'joined' }, model: 'm' };
      const retry = await post(other.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'old__ask_llm', arguments: { prompt: 'hi' }, inputResponses: { [key!]: answer }, requestState: round.requestState, _meta: MODERN_META } }, headers);
      return JSON.stringify(retry.json());
    };
    // Both must hold: one sealing key, and the lonely node's workers subscribed to the bus once Redis came.
    await until(async () => (await retryAcross()).includes('llm said: joined'), 20_000);
    await lonely.stop();
    await other.stop();
    await redis.stop();
  });
});
