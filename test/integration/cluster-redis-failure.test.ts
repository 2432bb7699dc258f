/**
 * Redis down at start and Redis failing mid-load, in each topology: one
 * server killed and restarted, one master of a 3-master cluster killed and
 * restarted, a Sentinel failover. The gateway keeps answering from local
 * state, reports itself degraded on /health and in metrics, never queues
 * requests behind the dead connection, refuses what truly needs Redis with
 * a clear error, writes back what the outage lost, and recovers within
 * 10 s. The failure test prints its figures (docs/cluster.md records them).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway } from '../helpers/gateway.js';
import { planRedis, startRedis, testTopologies, type TestRedis } from '../helpers/redis.js';
import { stopAll } from '../helpers/processes.js';
import { KeySpace, SCOPE } from '../../src/state/redis/key-space.js';
import { REDIS_KEY_PREFIX } from '../../src/config/defaults.js';

afterAll(stopAll);

// The mid-load test churns new sessions from one address as fast as it can: past the default creation rate (limits:).
const CONFIG = `limits: { sessionCreateBurst: 10000, sessionCreatesPerSecond: 10000 }\nservers:\n${fixtureServer('box', 'toolbox-server.js')}\n`;
const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };
const keys = new KeySpace(REDIS_KEY_PREFIX);

async function health(base: string): Promise<{ status: number; body: { status: string; degraded?: Record<string, string> } }> {
  // The details (degraded reasons) are the admin view's; /health tells anonymous callers the status alone.
  const res = await fetch(`${base}/admin/health`);
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

/** Whether the session's record is in Redis. */
async function stored(redis: TestRedis, sid: string): Promise<boolean> {
  return (await redis.admin.exists(keys.key(SCOPE.session(sid), 'rec'))) === 1;
}

describe.each(testTopologies())('Redis failures (%s)', (topology) => {
  it('Redis down at start: the gateway starts, serves, says degraded, and syncs when Redis arrives', async () => {
    const plan = await planRedis(topology);
    const gateway = await startGateway(CONFIG, { workers: 2, extraArgs: ['--redis', plan.url] });
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

    // Redis comes up where the gateway was told: it connects and writes the session it kept locally.
    const redis = await plan.start();
    await until(async () => (await health(gateway.base)).body.status === 'up', 15_000);
    // Node-level gauges: merged over both workers, not added up.
    await until(async () => /only1mcp_state_store_up 1\n/.test(await (await fetch(`${gateway.base}/metrics`)).text()), 5_000);
    expect(await (await fetch(`${gateway.base}/metrics`)).text()).toMatch(/only1mcp_degraded 0\n/);
    await until(() => stored(redis, sid), 5_000);
    // The log names the store without its secrets.
    expect(gateway.proc.output()).toContain('shared state: Redis');
    expect(gateway.proc.output()).not.toContain('p@ss');
    expect(gateway.proc.output()).not.toContain(encodeURIComponent('p@ss'));
    await gateway.stop();
    await redis.stop();
  }, 90_000);

  it('a fault mid-load: answers keep coming, nothing crashes, what Redis lost is written back, recovery within 10 s', async () => {
    const redis = await startRedis(topology);
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
          const ok = res.statusCode === 200 && body.includes('load');
          if (!ok) console.log(`[${topology}] a call on the known session failed ${started - Date.now()} ms ago: ${res.statusCode} ${body.slice(0, 300)}`);
          results.push({ at: started, ok, status: res.statusCode });
        } catch {
          results.push({ at: started, ok: false, status: 0 });
        }
      }
    };
    // Session churn: a new session, then a call on a fresh connection (either worker), so that
    // store writes and cross-worker reads go on through the fault.
    const churned: Array<{ at: number; status: number }> = [];
    const churn = async () => {
      for (let i = 0; !stop; i++) {
        const started = Date.now();
        try {
          const s = await rawSession(gateway.url);
          const res = await request(gateway.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': s, 'mcp-protocol-version': '2025-11-25', connection: 'close' },
            body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'churn' } } }),
            headersTimeout: 5_000,
          });
          const body = await res.body.text();
          churned.push({ at: started, status: res.statusCode === 200 && !body.includes('churn') ? -1 : res.statusCode });
        } catch {
          churned.push({ at: started, status: 0 });
        }
      }
    };
    const lanes = [...Array.from({ length: 6 }, (_, n) => lane(n)), churn(), churn()];
    // "Known" means known to both workers: each has served the session before the fault.
    await until(async () => workersBefore.size === 2 && results.filter((r) => r.ok).length >= 20, 10_000);
    const faultAt = Date.now();
    await redis.fault.inject();
    const injectedAt = Date.now();
    if (redis.fault.outage) {
      // Bounded wait, generous: a cluster node's loss is noticed after its node timeout, later on a loaded machine.
      await until(async () => (await health(gateway.base)).body.status === 'degraded', 15_000);
      await new Promise((r) => setTimeout(r, 1_000));
      // While Redis is away: known sessions work; an unknown session is a clear 503, not a wrong 404.
      const unknown = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'not-a-session-this-worker-knows' });
      expect(unknown.status).toBe(503);
      expect(unknown.json()).toMatchObject({ error: { code: -31022 } });
      await redis.fault.heal();
    }
    // Redis serves again (after an outage: it is back; Sentinel: a new master is elected).
    const servingAt = Date.now();
    // Recovered: every worker healthy, the session written back where the fault lost it, and a new session reaches Redis.
    const recovered = await until(async () => {
      // The node's gauge is the minimum over its workers: both reach Redis again.
      if (!/only1mcp_state_store_up 1\n/.test(await (await fetch(`${gateway.base}/metrics`)).text())) return false;
      if ((await health(gateway.base)).body.status !== 'up' || !(await stored(redis, sid))) return false;
      return stored(redis, await rawSession(gateway.url));
    }, 10_000);
    const recoveredAt = Date.now();
    // Settled: ten new sessions in a row, begun after recovery, each served by whichever worker
    // took its call. (A worker may lag the others by a moment: its 503s are "retry", checked below.)
    const settled = () => {
      const since = churned.filter((c) => c.at > recoveredAt);
      return since.length >= 10 && since.slice(-10).every((c) => c.status === 200);
    };
    await until(async () => settled(), 15_000);
    stop = true;
    await Promise.all(lanes);

    const failed = results.filter((r) => !r.ok);
    const churnFailed = churned.filter((c) => c.status !== 200);
    console.log(
      `[${topology}] ${redis.fault.name}: ${results.length} calls on a known session, ${failed.length} failed (${[...new Set(failed.map((r) => r.status))].join(', ') || 'none'}); ` +
        `${churned.length} new sessions each with a call, ${churnFailed.length} failed (${[...new Set(churnFailed.map((c) => c.status))].join(', ') || 'none'}); ` +
        `fault in place after ${injectedAt - faultAt} ms; Redis serving again ${servingAt - faultAt} ms after the fault; ` +
        `gateway recovered (health ok, sessions written back, new writes landing) ${recovered} ms after that`,
    );
    expect(results.filter((r) => r.at > faultAt && r.at < recoveredAt).length).toBeGreaterThan(20);
    expect(failed).toEqual([]);
    if (churnFailed.length > 0) console.log(`[${topology}] failed new sessions (ms after the fault: status): ${churnFailed.map((c) => `${c.at - faultAt}: ${c.status}`).join(', ')}; serving again at ${servingAt - faultAt}, recovered at ${recoveredAt - faultAt}`);
    // A new session may meet the fault: then its call is refused with a clear 503 (it cannot be
    // looked up), never a 404 or a wrong answer; once settled, all succeed.
    expect(churnFailed.filter((c) => c.status !== 503)).toEqual([]);
    expect(settled()).toBe(true);
    // No worker restarted: the same two pids served before and after.
    const after = new Set<string>();
    for (let i = 0; i < 30 && after.size < 2; i++) {
      const res = await request(`${gateway.base}/health`, { headers: { connection: 'close' } });
      await res.body.dump();
      after.add(String(res.headers['x-only1mcp-worker']));
    }
    expect([...after].every((w) => workersBefore.has(w))).toBe(true);
    expect(gateway.proc.output()).not.toMatch(/worker exited|uncaught/i);
    // Nothing written during or after the fault lives forever.
    const all = await redis.scan(REDIS_KEY_PREFIX);
    const ttls = await Promise.all(all.map(async (k) => [k, await redis.admin.pttl(k)] as const));
    expect(ttls.filter(([, ttl]) => ttl === -1)).toEqual([]);
    await gateway.stop();
    await redis.stop();
  }, 90_000);

  it("a node that started without Redis joins the cluster's requestState key when Redis arrives", async () => {
    const plan = await planRedis(topology);
    const config = `servers:\n${fixtureServer('old', 'toolbox-server.js', ['--era', 'legacy', '--name', 'old'])}\n`;
    const lonely = await startGateway(config, { extraArgs: ['--redis', plan.url] });
    const redis = await plan.start();
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
  }, 90_000);
});
