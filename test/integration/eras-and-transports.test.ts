/**
 * Every client-facing transport and protocol revision: Streamable HTTP for
 * 2025-03-26, 2025-06-18, 2025-11-25 and 2026-07-28 clients; legacy
 * HTTP+SSE for 2024-11-05 clients; the stdio bridge for clients that can
 * only spawn a command; and the session mechanics around them (DELETE,
 * batches, resumption with Last-Event-ID, subscriptions/listen).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { connect, post, rawSession } from '../helpers/clients.js';
import { CLI, fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { SseDecoder } from '../../src/mcp/sse.js';

let gateway: Gateway;
const clients: Client[] = [];
const text = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

beforeAll(async () => {
  gateway = await startGateway(`
servers:
${fixtureServer('box', 'toolbox-server.js')}
`);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  await stopAll();
});

describe('protocol revisions over Streamable HTTP', () => {
  for (const era of ['2025-03-26', '2025-06-18', 'legacy', 'modern'] as const) {
    it(`a ${era} client lists and calls tools`, async () => {
      const c = await connect(gateway.url, era);
      clients.push(c);
      expect(c.getNegotiatedProtocolVersion()).toBe(era === 'legacy' ? '2025-11-25' : era === 'modern' ? '2026-07-28' : era);
      expect((await c.listTools()).tools.map((t) => t.name)).toContain('box__echo');
      expect(text(await c.callTool({ name: 'box__echo', arguments: { message: era } }))).toBe(era);
    });
  }

  it('a 2026-07-28 client hears list changes on subscriptions/listen', async () => {
    const c = await connect(gateway.url, 'modern');
    clients.push(c);
    const changed = new Promise<void>((resolve) => c.setNotificationHandler('notifications/tools/list_changed', () => resolve()));
    const sub = await c.listen({ toolsListChanged: true });
    expect(sub.honoredFilter).toMatchObject({ toolsListChanged: true });
    await c.callTool({ name: 'box__change_tools', arguments: {} });
    await changed;
    await sub.close();
  });

  it('server/discover describes the gateway', async () => {
    const res = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' });
    const result = (res.json() as { result: Record<string, unknown> }).result;
    expect(result.supportedVersions).toEqual(expect.arrayContaining(['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']));
    expect(result.resultType).toBe('complete');
    expect((result._meta as Record<string, { name: string }>)['io.modelcontextprotocol/serverInfo']?.name).toBe('only1mcp');
  });
});

describe('legacy HTTP+SSE transport (2024-11-05)', () => {
  it('an SSE client lists and calls tools through /sse and /messages', async () => {
    const c = new Client({ name: 'sse-client', version: '1' });
    await c.connect(new SSEClientTransport(new URL(`${gateway.base}/sse`)));
    clients.push(c);
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('box__echo');
    expect(text(await c.callTool({ name: 'box__echo', arguments: { message: 'over sse' } }))).toBe('over sse');
  });
});

describe('stdio bridge', () => {
  for (const era of ['legacy', 'modern'] as const) {
    it(`a ${era} desktop client spawning \`only1mcp stdio\` reaches the gateway`, async () => {
      const options: ConstructorParameters<typeof Client>[1] = { capabilities: { sampling: {} } };
      if (era === 'modern') options.versionNegotiation = { mode: { pin: '2026-07-28' } };
      const c = new Client({ name: 'desktop', version: '1' }, options);
      c.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'bridged answer' }, model: 'm' }));
      await c.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', '--url', gateway.base], stderr: 'pipe' }));
      clients.push(c);
      expect((await c.listTools()).tools.map((t) => t.name)).toContain('box__echo');
      expect(text(await c.callTool({ name: 'box__echo', arguments: { message: 'bridged' } }))).toBe('bridged');
      expect(text(await c.callTool({ name: 'box__ask_llm', arguments: { prompt: 'q' } }))).toBe('llm said: bridged answer');
      await c.close();
    });
  }
});

describe('session mechanics', () => {
  it('DELETE ends a session; the id then answers 404', async () => {
    const sid = await rawSession(gateway.url);
    const del = await fetch(gateway.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
    expect(del.status).toBe(200);
    const after = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': sid });
    expect(after.status).toBe(404);
  });

  it('a request without a session (and without the 2026 envelope) is refused with 400', async () => {
    const res = await post(gateway.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ id: 3, error: { code: -32600 } });
  });

  it('2025-03-26 sessions accept JSON-RPC batches; later revisions refuse them', async () => {
    const old = await rawSession(gateway.url, '2025-03-26');
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'in a batch' } } },
    ];
    const res = await post(gateway.url, batch, { 'mcp-session-id': old });
    const answers = res.json() as Array<{ id: number; result?: unknown }>;
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2]);
    expect(JSON.stringify(answers)).toContain('in a batch');
    const recent = await rawSession(gateway.url, '2025-11-25');
    expect((await post(gateway.url, batch, { 'mcp-session-id': recent })).status).toBe(400);
  });

  it('a dropped POST stream resumes with Last-Event-ID: nothing lost, nothing duplicated', async () => {
    const sid = await rawSession(gateway.url);
    const controller = new AbortController();
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'box__sleep', arguments: { ms: 600 }, _meta: { progressToken: 'p' } } }),
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const seen: Array<{ id?: string; data: string }> = [];
    const reader = res.body!.getReader();
    const sse = new SseDecoder((e) => seen.push({ id: e.id, data: e.data }));
    while (seen.filter((e) => e.data.includes('progress')).length < 2) {
      const chunk = await reader.read();
      if (chunk.done) break;
      sse.push(new TextDecoder().decode(chunk.value));
    }
    controller.abort();
    const lastId = seen.at(-1)!.id!;
    const resumed = await fetch(gateway.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': lastId } });
    const rest: Array<{ id?: string; data: string }> = [];
    const dec = new SseDecoder((e) => rest.push({ id: e.id, data: e.data }));
    const r2 = resumed.body!.getReader();
    for (;;) {
      const chunk = await r2.read();
      if (chunk.done) break;
      dec.push(new TextDecoder().decode(chunk.value));
      if (rest.some((e) => e.data.includes('"id":5'))) break;
    }
    await r2.cancel();
    const ids = [...seen, ...rest].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(rest.some((e) => e.data.includes('slept 600'))).toBe(true);
  });

  it('a resume from an event the log no longer keeps is refused with 410, never answered with a gap', async () => {
    const sid = await rawSession(gateway.url);
    const headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
    expect((await post(gateway.url, { jsonrpc: '2.0', id: 8, method: 'logging/setLevel', params: { level: 'info' } }, headers)).status).toBe(200);
    // More log messages than a session keeps (SESSION_EVENT_LOG_MAX_EVENTS = 1,000).
    const res = await post(gateway.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'box__log', arguments: { count: 1_100 } } }, headers);
    const events: Array<{ id?: string; data: string }> = [];
    const sse = new SseDecoder((e) => events.push({ id: e.id, data: e.data }));
    sse.push(res.body);
    expect(events.filter((e) => e.data.includes('log line')).length).toBe(1_100);
    expect(events.at(-1)!.data).toContain('"id":9');
    const ids = events.map((e) => e.id).filter((id): id is string => id !== undefined);

    const gone = await fetch(gateway.url, { headers: { accept: 'text/event-stream', ...headers, 'last-event-id': ids[1]! } });
    expect(gone.status).toBe(410);
    expect(await gone.json()).toMatchObject({ error: { code: -31012 } });

    const recent = await fetch(gateway.url, { headers: { accept: 'text/event-stream', ...headers, 'last-event-id': ids.at(-4)! } });
    expect(recent.status).toBe(200);
    const rest: Array<{ id?: string; data: string }> = [];
    const dec = new SseDecoder((e) => rest.push({ id: e.id, data: e.data }));
    dec.push(await recent.text());
    expect(rest.map((e) => e.id)).toEqual(ids.slice(-3));
  });
});
