/**
 * 12,000 malformed requests against the front door: every one gets a clear
 * HTTP status (and a JSON-RPC error body where one applies), no connection
 * is dropped, the worker never crashes or restarts, and the gateway still
 * serves a well-formed call afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { makeCases } from '../helpers/fuzz-cases.js';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';

const CASES = 12_000;
const CONCURRENCY = 64;
const SEED = 20261121;

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(`
listen: { maxBodyBytes: 262144, parseOffloadBytes: 65536 }
servers:
${fixtureServer('box', 'toolbox-server.js')}
`);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAll();
});

describe('fuzzing the front door', () => {
  it(`answers ${CASES} malformed requests with the right statuses and never crashes`, async () => {
    const sid = await rawSession(gateway.url);
    const workerBefore = (await fetch(`${gateway.base}/health`)).headers.get('x-only1mcp-worker');
    const pool = new Pool(gateway.base, { connections: CONCURRENCY });
    const cases = makeCases(CASES, SEED, sid);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let next = 0;
    const runOne = async () => {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const c = cases[i]!;
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        try {
          const res = await pool.request({ method: c.method, path: c.path, headers: c.headers, body: c.body, headersTimeout: 10_000, bodyTimeout: 10_000 });
          const body = await res.body.text();
          if (!c.allowed.includes(res.statusCode)) failures.push(`#${i} ${c.kind}: HTTP ${res.statusCode} ${body.slice(0, 200)}`);
          else if (res.statusCode >= 400 && res.statusCode !== 405 && !/"error":\{"code":-?\d+/.test(body)) failures.push(`#${i} ${c.kind}: ${res.statusCode} without a JSON-RPC error body: ${body.slice(0, 200)}`);
          if (res.headers['x-only1mcp-worker'] !== workerBefore) failures.push(`#${i} ${c.kind}: served by another worker (${String(res.headers['x-only1mcp-worker'])}): did the worker restart?`);
        } catch (err) {
          failures.push(`#${i} ${c.kind}: connection error ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, runOne));
    await pool.close();
    expect(failures.slice(0, 20)).toEqual([]);
    expect(kinds.size).toBeGreaterThanOrEqual(15);

    const health = await fetch(`${gateway.base}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-only1mcp-worker')).toBe(workerBefore);
    const ok = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'after the storm' } } }, { 'mcp-session-id': sid });
    expect(JSON.stringify(ok.json())).toContain('after the storm');
    expect(gateway.proc.output()).not.toMatch(/uncaught|worker exited/i);
  }, 180_000);

  it('refuses an oversized body with 413 while reading it, and keeps serving', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'x'.repeat(300_000) } } });
    const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: big });
    expect(res.status).toBe(413);
    expect((await res.json()) as object).toMatchObject({ error: { code: -32600 } });
    // Chunked, no Content-Length: the cap applies while streaming.
    const pool = new Pool(gateway.base);
    const streamed = await pool.request({
      method: 'POST',
      path: '/mcp',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: Readable.from((function* () {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(8192, 0x20);
      })()),
    });
    await streamed.body.dump();
    await pool.close();
    const chunked = streamed.statusCode;
    expect(chunked).toBe(413);
    expect((await fetch(`${gateway.base}/health`)).status).toBe(200);
  });
});

describe('large bodies', () => {
  it('parses a body above the offload threshold in the thread pool and answers it correctly', async () => {
    const { rawSession: open, post: send } = await import('../helpers/clients.js');
    const sid = await open(gateway.url);
    const message = 'y'.repeat(200_000);
    const res = await send(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'box__echo', arguments: { message } } }, { 'mcp-session-id': sid });
    expect((res.json() as { result: { content: Array<{ text: string }> } }).result.content[0]!.text).toBe(message);
    const metrics = await (await fetch(`${gateway.base}/metrics`)).text();
    expect(Number(/only1mcp_offloaded_tasks_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  });
});
