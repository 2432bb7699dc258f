/**
 * The gateway in front of four real backends at once, over every backend
 * transport: @modelcontextprotocol/server-memory (stdio, 2025 era),
 * @modelcontextprotocol/server-everything over legacy HTTP+SSE and over
 * Streamable HTTP (2025 era), and the toolbox fixture (stdio, both eras,
 * so the gateway speaks 2026-07-28 to it). Clients are the real SDK v2
 * client in both eras.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { fixtureServer, npmServer, startGateway, tempDir, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForLine } from '../helpers/processes.js';
import path from 'node:path';

let gateway: Gateway;
const clients: Client[] = [];

async function client(era: Parameters<typeof connect>[1] = 'legacy', capabilities: Record<string, unknown> = {}): Promise<Client> {
  const c = await connect(gateway.url, era, capabilities);
  clients.push(c);
  return c;
}

const text = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

beforeAll(async () => {
  const everything = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
  const ssePort = await freePort();
  const httpPort = await freePort();
  const sse = start(process.execPath, [everything, 'sse'], { PORT: String(ssePort) });
  const http = start(process.execPath, [everything, 'streamableHttp'], { PORT: String(httpPort) });
  await waitForLine(sse, /running on port/);
  await waitForLine(http, /listening on port/);
  const memoryFile = path.join(tempDir(), 'memory.json');
  gateway = await startGateway(`
servers:
${npmServer('memory', '@modelcontextprotocol/server-memory', [], `    env: { MEMORY_FILE_PATH: ${JSON.stringify(memoryFile)} }\n`)}
  sse:
    url: http://127.0.0.1:${ssePort}/sse
    type: sse
  http:
    url: http://127.0.0.1:${httpPort}/mcp
${fixtureServer('toolbox', 'toolbox-server.js', ['--noisy'])}
${fixtureServer('oldbox', 'toolbox-server.js', ['--era', 'legacy', '--name', 'oldbox'])}
${fixtureServer('sharedbox', 'toolbox-server.js', ['--era', 'legacy', '--name', 'sharedbox'], '    isolation: shared\n')}
`);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  await stopAll();
});

describe('aggregation', () => {
  it('merges and name-spaces the tools of every backend, in both eras', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const c = await client(era);
      const names = (await c.listTools()).tools.map((t) => t.name);
      expect(names).toContain('memory__read_graph');
      expect(names).toContain('sse__echo');
      expect(names).toContain('http__echo');
      expect(names).toContain('toolbox__echo');
      expect(names.every((n) => n.length <= 64)).toBe(true);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('routes calls to the backend that owns the name, over every transport', async () => {
    const c = await client();
    expect(text(await c.callTool({ name: 'sse__echo', arguments: { message: 'via sse' } }))).toBe('Echo: via sse');
    expect(text(await c.callTool({ name: 'http__echo', arguments: { message: 'via http' } }))).toBe('Echo: via http');
    expect(text(await c.callTool({ name: 'toolbox__echo', arguments: { message: 'via stdio' } }))).toBe('via stdio');
    await c.callTool({ name: 'memory__create_entities', arguments: { entities: [{ name: 'gateway', entityType: 'software', observations: ['routes calls'] }] } });
    expect(text(await c.callTool({ name: 'memory__read_graph', arguments: {} }))).toContain('routes calls');
  });

  // Runs before any other test sets a level, so only these two sessions have one.
  it('forwards logging/setLevel to a shared 2025-era backend as the most verbose level any client asked for', async () => {
    const a = await client();
    const b = await client();
    await a.setLoggingLevel('error');
    expect(text(await a.callTool({ name: 'sharedbox__log_level', arguments: {} }))).toBe('error');
    await b.setLoggingLevel('debug');
    expect(text(await a.callTool({ name: 'sharedbox__log_level', arguments: {} }))).toBe('debug');
    await a.setLoggingLevel('critical');
    expect(text(await a.callTool({ name: 'sharedbox__log_level', arguments: {} }))).toBe('debug');
  });

  it('gives each client\'s own backend session of an isolated 2025-era server exactly that client\'s level', async () => {
    const a = await client();
    const b = await client();
    await a.setLoggingLevel('error');
    await b.setLoggingLevel('debug');
    expect(text(await a.callTool({ name: 'oldbox__log_level', arguments: {} }))).toBe('error');
    expect(text(await b.callTool({ name: 'oldbox__log_level', arguments: {} }))).toBe('debug');
    await a.setLoggingLevel('critical');
    expect(text(await a.callTool({ name: 'oldbox__log_level', arguments: {} }))).toBe('critical');
    expect(text(await b.callTool({ name: 'oldbox__log_level', arguments: {} }))).toBe('debug');
  });

  it('answers an unknown tool with invalid params, naming it', async () => {
    const c = await client();
    await expect(c.callTool({ name: 'nope__missing', arguments: {} })).rejects.toThrow(/Unknown tool: nope__missing/);
  });

  it('merges prompts, resources and templates and routes get/read/complete', async () => {
    const c = await client();
    const prompts = (await c.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toEqual(expect.arrayContaining(['sse__simple-prompt', 'http__args-prompt']));
    const got = await c.getPrompt({ name: 'http__args-prompt', arguments: { city: 'Lisbon' } });
    expect(JSON.stringify(got.messages)).toContain('Lisbon');

    const resources = (await c.listResources()).resources.map((r) => r.uri);
    expect(resources).toContain('memory://knowledge-graph');
    expect(resources).toContain('demo://resource/static/document/architecture.md');
    const read = await c.readResource({ uri: 'demo://resource/dynamic/text/7' });
    expect(JSON.stringify(read.contents)).toContain('7');

    const templates = (await c.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toContain('demo://resource/dynamic/text/{resourceId}');

    const done = await c.complete({ ref: { type: 'ref/prompt', name: 'http__completable-prompt' }, argument: { name: 'department', value: 'E' } });
    expect(done.completion.values).toContain('Engineering');
  });

  it('forwards progress notifications with the client token', async () => {
    const c = await client();
    const seen: number[] = [];
    const result = await c.callTool({ name: 'toolbox__sleep', arguments: { ms: 250 } }, { onprogress: (p) => seen.push(p.progress) });
    expect(text(result)).toBe('slept 250');
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it('forwards log messages honouring the session level (legacy) and the request level (modern)', async () => {
    const legacy = await client();
    const got: string[] = [];
    legacy.setNotificationHandler('notifications/message', (n) => void got.push(`${n.params.level}:${String(n.params.data)}`));
    await legacy.setLoggingLevel('warning');
    await legacy.callTool({ name: 'toolbox__log', arguments: { count: 2, level: 'info' } });
    await legacy.callTool({ name: 'toolbox__log', arguments: { count: 2, level: 'error' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['error:log line 0', 'error:log line 1']);
  });

  it('sampling: a legacy client answers a modern backend (input_required → server request) and a legacy backend', async () => {
    const c = await client('legacy', { sampling: {} });
    c.setRequestHandler('sampling/createMessage', async (req) => ({
      role: 'assistant',
      content: { type: 'text', text: `answer to ${JSON.stringify(req.params.messages[0]?.content)}` },
      model: 'test-model',
    }));
    expect(text(await c.callTool({ name: 'toolbox__ask_llm', arguments: { prompt: 'hello' } }))).toContain('llm said: answer to');
    const viaLegacy = await c.callTool({ name: 'http__trigger-sampling-request', arguments: { prompt: 'hi there', maxTokens: 10 } });
    expect(JSON.stringify(viaLegacy.content)).toContain('answer to');
  });

  it('sampling: a modern client answers a legacy backend through input_required rounds', async () => {
    const c = await client('modern', { sampling: {} });
    c.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'modern says hi' }, model: 'm' }));
    const result = await c.callTool({ name: 'http__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 10 } });
    expect(JSON.stringify(result.content)).toContain('modern says hi');
    expect(text(await c.callTool({ name: 'toolbox__ask_llm', arguments: { prompt: 'x' } }))).toBe('llm said: modern says hi');
  });

  it('a modern client without the sampling capability gets MissingRequiredClientCapability', async () => {
    // An unauthenticated stateless client shares the gateway's own session of a 2025 server, which was told the
    // client can sample; the gateway refuses the request on the client's behalf.
    const c = await client('modern', {});
    await expect(c.callTool({ name: 'http__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 10 } })).rejects.toThrow(/capabilit/i);
    await expect(c.callTool({ name: 'oldbox__ask_llm', arguments: { prompt: 'hi' } })).rejects.toThrow(/capabilit/i);
  });

  it('elicitation and roots reach the client that made the call, from modern and legacy backends, in both eras', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const c = await client(era, { elicitation: { form: {} }, roots: { listChanged: true } });
      c.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { color: 'blue', number: 7, pets: 'cats' } }));
      c.setRequestHandler('roots/list', async () => ({ roots: [{ uri: `file:///work/${era}`, name: 'work' }] }));
      const elicited = await c.callTool({ name: 'sse__trigger-elicitation-request', arguments: {} });
      expect(JSON.stringify(elicited.content)).toMatch(/accept/i);
      expect(text(await c.callTool({ name: 'toolbox__list_roots', arguments: {} }))).toBe(`roots: file:///work/${era}`);
      expect(text(await c.callTool({ name: 'oldbox__list_roots', arguments: {} }))).toBe(`roots: file:///work/${era}`);
    }
  });

  it('propagates list_changed to clients and serves the new list', async () => {
    const c = await client();
    const changed = new Promise<void>((resolve) => c.setNotificationHandler('notifications/tools/list_changed', () => resolve()));
    await c.callTool({ name: 'toolbox__change_tools', arguments: {} });
    await changed;
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toContain('toolbox__extra_0');
  });

  it('resource subscriptions: updates reach subscribers, unsubscribe stops them', async () => {
    const c = await client();
    const uri = 'demo://resource/dynamic/text/1';
    const updates: string[] = [];
    c.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
    // Both everything servers offer this template; the first in config order (sse) owns the URI.
    await c.subscribeResource({ uri });
    await c.callTool({ name: 'sse__toggle-subscriber-updates', arguments: {} });
    const deadline = Date.now() + 15_000;
    while (!updates.includes(uri) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(updates).toContain(uri);
    await c.unsubscribeResource({ uri });
    await c.callTool({ name: 'sse__toggle-subscriber-updates', arguments: {} });
  });

  it('skips and counts non-JSON stdout lines of a backend without failing it', async () => {
    // Backend details are the admin view's (/health tells anonymous callers the status alone).
    const health = (await (await fetch(`${gateway.base}/admin/health`)).json()) as { backends: Array<{ name: string; state: string; invalidLines?: number }> };
    const toolbox = health.backends.find((b) => b.name === 'toolbox');
    expect(toolbox?.state).toBe('ready');
    expect(toolbox?.invalidLines).toBeGreaterThanOrEqual(1);
  });
});
