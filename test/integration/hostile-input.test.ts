/**
 * What clients and backends send cannot crash, exhaust or fool the gateway
 * (issue 10, the data side), against the real gateway with a real hostile
 * stdio backend (test/fixtures/hostile-server.ts):
 *
 *  - JSON nested past limits.maxJsonDepth from a client is refused (-32600,
 *    the limit named) before anything walks it; 3,000 such requests leave
 *    the worker within a stated memory bound and no registration behind;
 *  - a backend's answer nested 10,000 deep fails that call at once with a
 *    backend fault (the primary used to die in its frame encoder), the
 *    backend named in the log once; a client's deep answer to a backend's
 *    sampling request fails that request at once (it used to hang 300 s);
 *  - ids above 2^53 come back digit for digit on both eras, both transports
 *    and a stdio backend's own requests;
 *  - conflicting Content-Length headers get 400;
 *  - an empty or comment-only config file on reload is refused; an explicit
 *    `servers: {}` is applied.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { post, rawSession } from '../helpers/clients.js';
import path from 'node:path';
import { FIXTURES, fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { pendingRegistrations, rssOf, workerProcesses } from '../helpers/gateway-processes.js';
import { start, stopAll, waitForHttp, waitForLine } from '../helpers/processes.js';
import { BIG_ID } from '../helpers/fuzz-cases.js';
import { SseDecoder } from '../../src/mcp/sse.js';
import { MAX_JSON_DEPTH } from '../../src/config/defaults.js';

/** Deep requests sent in the memory test (the outside test's figure: ~810 MB growth per worker on the old gateway). */
const DEEP_REQUESTS = 3_000;
/** Growth of the worker's and the primary's RSS allowed over those requests. */
const RSS_GROWTH_BOUND_BYTES = 64 * 1024 * 1024;
const DEPTH = 10_000;
const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

let gateway: Gateway;
let sid: string;

const nest = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

beforeAll(async () => {
  // The same hostile backend over Streamable HTTP.
  const webPort = await freePort();
  const web = start(process.execPath, [path.join(FIXTURES, 'hostile-server.js'), '--http', String(webPort)]);
  await waitForHttp(`http://127.0.0.1:${webPort}/mcp`, web, 10_000, (status) => status > 0);
  gateway = await startGateway(`
servers:
${fixtureServer('hostile', 'hostile-server.js')}
  web:
    url: http://127.0.0.1:${webPort}/mcp
    type: streamable-http
`);
  sid = await rawSession(gateway.url);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAll();
});

/** The invariant: every in-flight registration table of the node is back to 0 (none leaked on any path). */
async function expectNothingRegistered(): Promise<void> {
  const tables = pendingRegistrations(await (await fetch(`${gateway.base}/metrics`)).text());
  expect(Object.keys(tables).sort()).toEqual(['primary/client-asks', 'primary/worker-calls', 'worker/held-calls', 'worker/remote-resumes', 'worker/scope-relays', 'worker/stdio-calls']);
  expect(Object.values(tables).every((n) => n === 0), JSON.stringify(tables)).toBe(true);
}

function call(id: number | string, name: string, args: object = {}): Promise<Awaited<ReturnType<typeof post>>> {
  return post(gateway.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, { 'mcp-session-id': sid });
}

describe('deep JSON from a client', () => {
  it(`refuses arguments nested ${DEPTH} deep with -32600 naming the limit, on both eras`, async () => {
    const body = `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"hostile__ok","arguments":{"x":${nest(DEPTH)}}}}`;
    const legacy = await post(gateway.url, body, { 'mcp-session-id': sid });
    expect(legacy.status).toBe(400);
    expect(legacy.json()).toMatchObject({ id: 5, error: { code: -32600, data: { limit: 'limits.maxJsonDepth', max: MAX_JSON_DEPTH } } });
    expect((legacy.json() as { error: { message: string } }).error.message).toContain('limits.maxJsonDepth');

    const modernBody = `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"hostile__ok","_meta":${JSON.stringify(MODERN_META)},"arguments":{"x":${nest(DEPTH)}}}}`;
    const modern = await post(gateway.url, modernBody, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'hostile__ok' });
    expect(modern.status).toBe(400);
    expect(modern.json()).toMatchObject({ id: 6, error: { code: -32600, data: { limit: 'limits.maxJsonDepth' } } });
  });

  it('accepts JSON nested just within the limit', async () => {
    // Envelope (1) + params (2) + arguments (3) + x (4): the array may nest MAX_JSON_DEPTH - 3 deep.
    const body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"hostile__ok","arguments":{"x":${nest(MAX_JSON_DEPTH - 3)}}}}`;
    const res = await post(gateway.url, body, { 'mcp-session-id': sid });
    expect(res.status).toBe(200);
    expect(res.body).toContain('"text":"ok"');
  });

  it(`${DEEP_REQUESTS} deep requests leave the worker and the primary within ${RSS_GROWTH_BOUND_BYTES / 2 ** 20} MB and nothing registered`, async () => {
    const primaryPid = gateway.proc.child.pid!;
    const workersBefore = workerProcesses(primaryPid);
    const primaryBefore = rssOf(primaryPid);
    const body = `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"hostile__ok","arguments":{"x":${nest(DEPTH)}}}}`;
    const pool = new Pool(gateway.base, { connections: 16 });
    const statuses = new Map<number, number>();
    let next = 0;
    let stackOverflowText = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next++ < DEEP_REQUESTS) {
        const res = await pool.request({ method: 'POST', path: '/mcp', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid }, body });
        const text = await res.body.text();
        if (/call stack/i.test(text)) stackOverflowText++;
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      }
    }));
    await pool.close();
    expect(Object.fromEntries(statuses)).toEqual({ 400: DEEP_REQUESTS });
    expect(stackOverflowText).toBe(0);
    const workersAfter = workerProcesses(primaryPid);
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
    // The figures, for docs/security.md.
    console.log(`deep requests: worker RSS ${workersBefore.map((w) => mb(w.rssBytes)).join(',')} -> ${workersAfter.map((w) => mb(w.rssBytes)).join(',')}; primary ${mb(primaryBefore)} -> ${mb(rssOf(primaryPid))}`);
    expect(workersAfter.map((w) => w.pid)).toEqual(workersBefore.map((w) => w.pid));
    for (const [i, w] of workersAfter.entries()) expect(w.rssBytes - workersBefore[i]!.rssBytes).toBeLessThan(RSS_GROWTH_BOUND_BYTES);
    expect(rssOf(primaryPid) - primaryBefore).toBeLessThan(RSS_GROWTH_BOUND_BYTES);
    await expectNothingRegistered();
    expect(gateway.proc.output()).not.toMatch(/"stack"|Maximum call stack/);
  }, 120_000);
});

describe('deep JSON from a backend', () => {
  it(`fails a call whose answer is nested ${DEPTH} deep with a backend fault, and the primary stays up`, async () => {
    const primaryPid = gateway.proc.child.pid!;
    const workersBefore = workerProcesses(primaryPid).map((w) => w.pid);
    for (let i = 0; i < 3; i++) {
      const res = await call(20 + i, 'hostile__deep', { depth: DEPTH });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ id: 20 + i, error: { code: -31005, data: { code: 'GW_ERR_BACKEND_LIMIT', limit: 'limits.maxJsonDepth' } } });
    }
    expect(gateway.proc.child.exitCode).toBeNull();
    expect(workerProcesses(primaryPid).map((w) => w.pid)).toEqual(workersBefore);
    const after = await call(30, 'hostile__ok');
    expect(after.body).toContain('"text":"ok"');
    // The backend is named in the log once, not once per refused message.
    // The log is written asynchronously: wait for the line, then count.
    await waitForLine(gateway.proc, /past an input limit.*hostile|hostile.*past an input limit/, 5_000);
    const lines = gateway.proc.output().split('\n').filter((l) => l.includes('past an input limit') && l.includes('hostile'));
    expect(lines).toHaveLength(1);
    await expectNothingRegistered();
  });

  it(`fails a call whose answer from an HTTP backend is nested ${DEPTH} deep with a backend fault, the backend named once`, async () => {
    for (let i = 0; i < 3; i++) {
      const res = await call(35 + i, 'web__deep', { depth: DEPTH });
      expect(res.json()).toMatchObject({ id: 35 + i, error: { code: -31005, data: { code: 'GW_ERR_BACKEND_LIMIT', limit: 'limits.maxJsonDepth' } } });
    }
    await waitForLine(gateway.proc, /past an input limit.*web|web.*past an input limit/, 5_000);
    const lines = gateway.proc.output().split('\n').filter((l) => l.includes('past an input limit') && l.includes('web'));
    expect(lines).toHaveLength(1);
    expect((await call(38, 'web__ok')).body).toContain('"text":"ok"');
  });

  it('drops a deep notification and still answers the call', async () => {
    const res = await call(31, 'hostile__deep_notify', { depth: DEPTH });
    expect(res.body).toContain('"text":"notified"');
    expect(gateway.proc.child.exitCode).toBeNull();
  });

  it('fails a backend\'s sampling request at once when the client\'s answer is too deep (no 300 s wait)', async () => {
    const init = await post(gateway.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 'sampler', version: '1' } } });
    const samplerSid = init.headers.get('mcp-session-id')!;
    await post(gateway.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': samplerSid });
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': samplerSid },
      body: JSON.stringify({ jsonrpc: '2.0', id: 40, method: 'tools/call', params: { name: 'hostile__ask', arguments: {} } }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const messages: Array<Record<string, unknown>> = [];
    const sse = new SseDecoder((e) => e.data.trim() !== '' && messages.push(JSON.parse(e.data) as Record<string, unknown>));
    const reader = res.body!.getReader();
    const until = async (found: () => Record<string, unknown> | undefined): Promise<Record<string, unknown>> => {
      for (;;) {
        const hit = found();
        if (hit) return hit;
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`stream ended; saw ${JSON.stringify(messages)}`);
        sse.push(new TextDecoder().decode(chunk.value));
      }
    };
    const ask = await until(() => messages.find((m) => m.method === 'sampling/createMessage'));
    const deepAnswer = `{"jsonrpc":"2.0","id":${JSON.stringify(ask.id)},"result":{"role":"assistant","model":"m","content":{"type":"text","text":"x"},"extra":${nest(DEPTH)}}}`;
    const refused = await post(gateway.url, deepAnswer, { 'mcp-session-id': samplerSid });
    expect(refused.status).toBe(400);
    expect(refused.json()).toMatchObject({ error: { code: -32600, data: { limit: 'limits.maxJsonDepth' } } });
    const result = await until(() => messages.find((m) => m.id === 40));
    const text = JSON.stringify(result);
    expect(text).toContain('refused:');
    expect(text).toContain('limits.maxJsonDepth');
    await reader.cancel();
    await expectNothingRegistered();
  }, 20_000);
});

describe('ids above 2^53', () => {
  it('come back exactly on a 2025-era session, for results and for errors', async () => {
    const ok = await post(gateway.url, `{"jsonrpc":"2.0","id":${BIG_ID},"method":"tools/list"}`, { 'mcp-session-id': sid });
    expect(ok.body).toContain(`"id":${BIG_ID}`);
    expect(ok.body).toContain('hostile__ok');
    const err = await post(gateway.url, `{"jsonrpc":"2.0","id":-${BIG_ID},"method":"nope/nope"}`, { 'mcp-session-id': sid });
    expect(err.body).toContain(`"id":-${BIG_ID}`);
    expect(err.body).toContain('"error"');
    const call = await post(gateway.url, `{"jsonrpc":"2.0","id":${BIG_ID},"method":"tools/call","params":{"name":"hostile__ok","arguments":{}}}`, { 'mcp-session-id': sid, accept: 'text/event-stream, application/json' });
    expect(call.body).toContain(`"id":${BIG_ID}`);
  });

  it('come back exactly on a 2026-07-28 request', async () => {
    const res = await post(gateway.url, `{"jsonrpc":"2.0","id":${BIG_ID},"method":"tools/call","params":{"name":"hostile__ok","arguments":{},"_meta":${JSON.stringify(MODERN_META)}}}`, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'hostile__ok' });
    expect(res.status).toBe(200);
    expect(res.body).toContain(`"id":${BIG_ID}`);
  });

  it('come back exactly over the legacy HTTP+SSE transport', async () => {
    const res = await fetch(`${gateway.base}/sse`, { headers: { accept: 'text/event-stream' } });
    const events: Array<{ event: string | undefined; data: string }> = [];
    const sse = new SseDecoder((e) => events.push({ event: e.event, data: e.data }));
    const reader = res.body!.getReader();
    const until = async (match: (e: { event: string | undefined; data: string }) => boolean) => {
      for (;;) {
        const hit = events.find(match);
        if (hit) return hit;
        const chunk = await reader.read();
        if (chunk.done) throw new Error('stream ended');
        sse.push(new TextDecoder().decode(chunk.value));
      }
    };
    const endpoint = new URL((await until((e) => e.event === 'endpoint')).data, gateway.base);
    const postTo = (body: string) => fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await postTo(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'sse', version: '1' } } }));
    await until((e) => e.data.includes('"id":1'));
    await postTo(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    await postTo(`{"jsonrpc":"2.0","id":${BIG_ID},"method":"tools/list"}`);
    const answer = await until((e) => e.data.includes('hostile__ok'));
    expect(answer.data).toContain(`"id":${BIG_ID}`);
    await reader.cancel();
  });

  it('come back exactly to a stdio backend that sends one in its own request', async () => {
    const res = await call(50, 'hostile__big_id');
    const text = (res.json() as { result: { content: Array<{ text: string }> } }).result.content[0]!.text;
    expect(text).toContain(`"id":${BIG_ID}`);
    await expectNothingRegistered();
  });

  it('refuses a string id that starts with the raw-id mark (it would come back a number)', async () => {
    const res = await post(gateway.url, '{"jsonrpc":"2.0","id":"\\u0000#5","method":"tools/list"}', { 'mcp-session-id': sid });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: -32600, data: { limit: 'id' } } });
  });
});

describe('HTTP framing', () => {
  it('answers two Content-Length headers that disagree with 400 and acts on neither body', async () => {
    const body = `{"jsonrpc":"2.0","id":61,"method":"tools/call","params":{"name":"hostile__ok","arguments":{}}}`;
    const raw = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: ${sid}\r\nContent-Length: ${body.length}\r\nContent-Length: 5\r\n\r\n${body}`;
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(gateway.port, '127.0.0.1', () => socket.write(raw));
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
      socket.on('close', () => resolve(out));
      socket.on('error', () => resolve(out));
      setTimeout(() => socket.destroy(), 3_000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('Content-Length headers that disagree');
    expect(answer).not.toContain('"text":"ok"');
  });
});

describe('reload safety', () => {
  it('refuses an empty or comment-only file on reload and keeps the last good config; applies an explicit servers: {}', async () => {
    fs.writeFileSync(gateway.configFile, '');
    await waitForLine(gateway.proc, /the file is empty; not applied/, 10_000);
    expect(gateway.proc.output()).toContain(gateway.configFile);
    fs.writeFileSync(gateway.configFile, '# everything commented out\n# servers:\n');
    await waitForLine(gateway.proc, /the file declares nothing/, 10_000);
    const still = await post(gateway.url, { jsonrpc: '2.0', id: 70, method: 'tools/list' }, { 'mcp-session-id': sid });
    expect(still.body).toContain('hostile__ok');
    expect(gateway.proc.output()).not.toMatch(/configuration reloaded/);

    fs.writeFileSync(gateway.configFile, 'servers: {}\n');
    await waitForLine(gateway.proc, /configuration reloaded/, 10_000);
    await expect.poll(async () => (await post(gateway.url, { jsonrpc: '2.0', id: 71, method: 'tools/list' }, { 'mcp-session-id': sid })).body, { timeout: 10_000 }).not.toContain('hostile__ok');
  }, 40_000);
});
