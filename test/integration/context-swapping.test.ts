/**
 * Context swapping end to end: a gateway (two workers, one Redis) in front
 * of real catalog servers built from LiveMCPBench tools and the toolbox
 * fixture. A search-mode client finds, loads and calls tools; the working
 * set evicts under its budget and announces list changes; it survives a
 * change of worker; compact mode lists every tool for fewer tokens.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { fixtureServer, startGateway, CLI, type Gateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/redis.js';
import { post } from '../helpers/clients.js';
import { stopAll } from '../helpers/processes.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { listTokens } from '../../src/context/tokens.js';

// Vendored with its licence and NOTICE: tests read only files inside the repository.
const CATALOG = path.resolve(import.meta.dirname, '../fixtures/livemcpbench/livemcpbench-tools.json');
const CATALOG_SERVERS = ['word-document-server', 'mcp-server-chart', 'trends-hub', 'searxng'];
// The five word-document tools cost ~390 tokens and the word-cloud tool ~240,
// so loading all six must unload the oldest ones.
const BUDGET_TOKENS = 400;

let gateway: Gateway;
const clients: Client[] = [];
const WORKING_SET = 'dev.only1mcp/workingSet';
/** The working-set handle a search-mode result hands a stateless client. */
const workingSetHandle = (r: unknown) => String((r as { _meta?: Record<string, unknown> })._meta?.[WORKING_SET]);
const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content[0]?.text ?? '');

beforeAll(async () => {
  const redis = await startRedis();
  const catalogServers = CATALOG_SERVERS.map((name) => fixtureServer(name, 'catalog-server.js', ['--catalog', CATALOG, '--server', name])).join('\n');
  gateway = await startGateway(`context:\n  budgetTokens: ${BUDGET_TOKENS}\nservers:\n${catalogServers}\n${fixtureServer('box', 'toolbox-server.js')}\n`, {
    workers: 2,
    extraArgs: ['--redis', redis.url],
  });
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  await stopAll();
});

async function client(mode: string, era: 'legacy' | 'modern' = 'legacy'): Promise<Client> {
  const options: ConstructorParameters<typeof Client>[1] = era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {};
  const c = new Client({ name: `ctx-${mode}-${era}`, version: '1' }, options);
  await c.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}?context=${mode}`)));
  clients.push(c);
  return c;
}

describe('context modes', () => {
  it('search mode lists only the meta-tools, finds tools across backends with their schemas, and calls them', async () => {
    const c = await client('search');
    const listed = (await c.listTools()).tools.map((t) => t.name);
    expect(listed).toEqual(['only1mcp__find_tools', 'only1mcp__call_tool', 'only1mcp__load_tools']);
    const found = JSON.parse(text(await c.callTool({ name: 'only1mcp__find_tools', arguments: { query: 'create a word cloud chart from text', limit: 5 } }))) as { tools: Array<{ name: string; inputSchema: unknown }> };
    expect(found.tools.map((t) => t.name)).toContain('mcp-server-chart__generate_word_cloud_chart');
    expect(found.tools.every((t) => typeof t.inputSchema === 'object')).toBe(true);
    const called = await c.callTool({ name: 'only1mcp__call_tool', arguments: { name: 'box__echo', arguments: { message: 'through the meta-tool' } } });
    expect(text(called)).toBe('through the meta-tool');
    const bad = await c.callTool({ name: 'only1mcp__find_tools', arguments: { limit: 3 } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toBe('query must be a non-empty string');
  });

  it('load_tools adds found tools to the list, announces it, and the loaded tool is callable directly', async () => {
    const c = await client('search');
    const changed = new Promise<void>((resolve) => c.setNotificationHandler('notifications/tools/list_changed', () => resolve()));
    const loaded = await c.callTool({ name: 'only1mcp__load_tools', arguments: { names: ['box__echo'] } });
    expect(text(loaded)).toBe('loaded: box__echo');
    await changed;
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('box__echo');
    expect(text(await c.callTool({ name: 'box__echo', arguments: { message: 'direct' } }))).toBe('direct');
  });

  it(`the working set stays within ${BUDGET_TOKENS} tokens, unloading the least recently used tools and saying so`, async () => {
    const c = await client('search');
    const names = ['word-document-server__create_document', 'word-document-server__add_paragraph', 'word-document-server__add_heading', 'word-document-server__add_table', 'word-document-server__add_picture', 'mcp-server-chart__generate_word_cloud_chart'];
    let changes = 0;
    c.setNotificationHandler('notifications/tools/list_changed', () => void changes++);
    const results: string[] = [];
    for (const name of names) results.push(text(await c.callTool({ name: 'only1mcp__load_tools', arguments: { names: [name] } })));
    expect(results.some((r) => r.includes('unloaded to make room'))).toBe(true);
    const listed = (await c.listTools()).tools;
    expect(listTokens(listed.filter((t) => !t.name.startsWith('only1mcp__')))).toBeLessThanOrEqual(BUDGET_TOKENS);
    expect(listed.map((t) => t.name)).toContain('mcp-server-chart__generate_word_cloud_chart');
    expect(listed.map((t) => t.name)).not.toContain('word-document-server__create_document');
    await new Promise((r) => setTimeout(r, 200));
    expect(changes).toBeGreaterThanOrEqual(names.length - 1);
  });

  it('a session that moves to the other worker keeps its working set', async () => {
    const init = await post(`${gateway.url}?context=search`, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mover', version: '1' } } });
    const sid = init.headers.get('mcp-session-id')!;
    const load = async () => {
      const res = await request(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': sid, connection: 'close' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'only1mcp__load_tools', arguments: { names: ['trends-hub__get-weread-rank'] } } }),
      });
      await res.body.dump();
      return String(res.headers['x-only1mcp-worker']);
    };
    const loadedOn = await load();
    for (let i = 0; i < 60; i++) {
      const res = await request(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': sid, connection: 'close' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2 + i, method: 'tools/list' }),
      });
      const body = (await res.body.json()) as { result: { tools: Array<{ name: string }> } };
      if (String(res.headers['x-only1mcp-worker']) === loadedOn) continue;
      expect(body.result.tools.map((t) => t.name)).toContain('trends-hub__get-weread-rank');
      return;
    }
    throw new Error('never reached the other worker');
  });

  it('compact mode lists every tool, under the same names, for fewer tokens', async () => {
    const full = (await (await client('full')).listTools()).tools;
    const compact = (await (await client('compact')).listTools()).tools;
    expect(compact.map((t) => t.name)).toEqual(full.map((t) => t.name));
    expect(listTokens(compact)).toBeLessThan(listTokens(full));
  });

  it('a 2026-07-28 client in search mode gets the meta-tools and keeps its working set through the handle it holds', async () => {
    const c = await client('search', 'modern');
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual(['only1mcp__find_tools', 'only1mcp__call_tool', 'only1mcp__load_tools']);
    const loaded = await c.callTool({ name: 'only1mcp__load_tools', arguments: { names: ['box__whoami'] } });
    expect(text(loaded)).toBe('loaded: box__whoami');
    const handle = workingSetHandle(loaded);
    expect(handle).toMatch(/^o1m1\./);
    // Sent back, the handle names the set on any worker; the result hands the same one back.
    for (let i = 0; i < 4; i++) {
      const listed = await c.listTools({ _meta: { [WORKING_SET]: handle } });
      expect(listed.tools.map((t) => t.name)).toContain('box__whoami');
      expect(workingSetHandle(listed)).toBe(handle);
    }
  });

  it('two stateless clients that share a clientInfo.name do not share a working set (issue 10, finding 9)', async () => {
    const a = await client('search', 'modern');
    const b = await client('search', 'modern');
    const handleA = workingSetHandle(await a.callTool({ name: 'only1mcp__load_tools', arguments: { names: ['box__echo'] } }));
    expect((await a.listTools({ _meta: { [WORKING_SET]: handleA } })).tools.map((t) => t.name)).toContain('box__echo');
    // Same client name, no handle: a set of its own, and a handle of its own.
    const listedB = await b.listTools();
    expect(listedB.tools.map((t) => t.name)).toEqual(['only1mcp__find_tools', 'only1mcp__call_tool', 'only1mcp__load_tools']);
    expect(workingSetHandle(listedB)).not.toBe(handleA);
    // B loads something else under its own handle; A's set is untouched by it.
    const handleB = workingSetHandle(await b.callTool({ name: 'only1mcp__load_tools', arguments: { names: ['box__whoami'] }, _meta: { [WORKING_SET]: workingSetHandle(listedB) } }));
    const namesA = (await a.listTools({ _meta: { [WORKING_SET]: handleA } })).tools.map((t) => t.name);
    expect(namesA).toContain('box__echo');
    expect(namesA).not.toContain('box__whoami');
    expect((await b.listTools({ _meta: { [WORKING_SET]: handleB } })).tools.map((t) => t.name)).not.toContain('box__echo');
    // A handle altered to guess another's names nothing: a fresh set.
    const forged = `${handleA.slice(0, -4)}${handleA.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const listedForged = await b.listTools({ _meta: { [WORKING_SET]: forged } });
    expect(listedForged.tools.map((t) => t.name)).not.toContain('box__echo');
    expect(workingSetHandle(listedForged)).not.toBe(forged);
  });

  it('an unknown context mode is refused with a clear error', async () => {
    const res = await post(`${gateway.url}?context=everything`, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ id: 0, error: { code: -32602, message: 'context mode must be full, compact or search, got "everything"' } });
  });

  it('only1mcp tokens reports the cost of each mode', async () => {
    // Async on purpose: a synchronous spawn would stop us draining the gateway's pipes.
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'tokens', '--url', gateway.base], { encoding: 'utf8' });
    expect(stdout).toMatch(/full\s+\d+\s+100%/);
    expect(stdout).toMatch(/compact\s+\d+\s+\d+\.\d%/);
    expect(stdout).toMatch(/search\s+\d+\s+\d+\.\d%/);
  });
});
