/**
 * Per-server filtering and shaping through the real gateway, in front of
 * @modelcontextprotocol/server-everything (stdio, from node_modules): a
 * hidden tool is absent from tools/list and from search mode and is refused
 * as unknown when called, directly or through the call meta-tool; a renamed
 * tool and a replaced description show in lists and calls route back to the
 * backend's own names; hidden prompts and resources behave the same. Then
 * the contract fixture test/fixtures/replicas.yaml, loaded by the gateway
 * from its own place with real replica processes behind `fx`.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { CLI, FIXTURES, npmServer, startGateway, tempDir, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForHttp, waitForLine } from '../helpers/processes.js';

let gateway: Gateway;
const clients: Client[] = [];
const text = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

beforeAll(async () => {
  gateway = await startGateway(`
servers:
${npmServer('ev', '@modelcontextprotocol/server-everything', ['stdio'], `    tools:
      deny: [get-env]
      rename: { get-sum: add }
      descriptions: { echo: "Says back exactly what it is given." }
    prompts: { deny: [args-prompt] }
    resources: { deny: ["demo://resource/dynamic/text/*"] }
`)}`);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  await stopAll();
});

async function client(era: 'legacy' | 'modern', url = gateway.url): Promise<Client> {
  const c = await connect(url, era);
  clients.push(c);
  return c;
}

describe.each(['legacy', 'modern'] as const)('server-everything with get-env hidden (%s client)', (era) => {
  it('lists neither the hidden tool nor the renamed tool\'s old name; shows the rename and the new description', async () => {
    const c = await client(era);
    const tools = (await c.listTools()).tools;
    const names = tools.map((t) => t.name);
    expect(names).not.toContain('ev__get-env');
    expect(names).not.toContain('ev__get-sum');
    expect(names).toContain('ev__add');
    expect(names).toContain('ev__get-tiny-image');
    expect(tools.find((t) => t.name === 'ev__echo')?.description).toBe('Says back exactly what it is given.');
  });

  it('refuses the hidden tool by name as unknown, and the renamed tool by its old name', async () => {
    const c = await client(era);
    await expect(c.callTool({ name: 'ev__get-env', arguments: {} })).rejects.toThrow('Unknown tool: ev__get-env');
    await expect(c.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 2 } })).rejects.toThrow('Unknown tool: ev__get-sum');
  });

  it('routes the renamed tool back to the backend\'s own name', async () => {
    const c = await client(era);
    expect(text(await c.callTool({ name: 'ev__add', arguments: { a: 2, b: 3 } }))).toBe('The sum of 2 and 3 is 5.');
    expect(text(await c.callTool({ name: 'ev__echo', arguments: { message: 'hi' } }))).toBe('Echo: hi');
  });

  it('hides prompts and resources the same way', async () => {
    const c = await client(era);
    const prompts = (await c.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toContain('ev__simple-prompt');
    expect(prompts).not.toContain('ev__args-prompt');
    await expect(c.getPrompt({ name: 'ev__args-prompt', arguments: { city: 'x' } })).rejects.toThrow('Unknown prompt: ev__args-prompt');
    const templates = (await c.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toContain('demo://resource/dynamic/blob/{resourceId}');
    expect(templates).not.toContain('demo://resource/dynamic/text/{resourceId}');
    await expect(c.readResource({ uri: 'demo://resource/dynamic/text/1' })).rejects.toThrow('demo://resource/dynamic/text/1');
    expect((await c.readResource({ uri: 'demo://resource/dynamic/blob/1' })).contents).toHaveLength(1);
  });
});

describe('search mode', () => {
  it('never finds the hidden tool, and the call meta-tool refuses it', async () => {
    const c = new Client({ name: 'searcher', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}?context=search`)));
    clients.push(c);
    const found = text(await c.callTool({ name: 'only1mcp__find_tools', arguments: { query: 'environment variables env', limit: 20 } }));
    expect(found).not.toContain('get-env');
    const addFound = text(await c.callTool({ name: 'only1mcp__find_tools', arguments: { query: 'add two numbers sum', limit: 5 } }));
    expect(addFound).toContain('ev__add');
    const refused = await c.callTool({ name: 'only1mcp__call_tool', arguments: { name: 'ev__get-env', arguments: {} } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('Unknown tool: ev__get-env');
    expect(text(await c.callTool({ name: 'only1mcp__call_tool', arguments: { name: 'ev__add', arguments: { a: 1, b: 1 } } }))).toBe('The sum of 1 and 1 is 2.');
  });
});

describe('the contract fixture test/fixtures/replicas.yaml', () => {
  it('loads in the real gateway from its own place: ev runs from node_modules with get-env hidden, fx is one server over two replicas', async () => {
    const [portA, portB, port] = [await freePort(), await freePort(), await freePort()];
    for (const [name, p] of [['A', portA], ['B', portB]] as const) {
      await waitForLine(start(process.execPath, [path.join(FIXTURES, 'replica-server.js'), '--name', name, '--port', String(p)]), /listening/);
    }
    const dir = tempDir();
    const proc = start(
      process.execPath,
      [CLI, 'start', '--foreground', '--config', path.join(ROOT, 'test', 'fixtures', 'replicas.yaml'), '--port', String(port), '--workers', '1'],
      {
        XDG_STATE_HOME: dir,
        XDG_CONFIG_HOME: dir,
        ONLY1MCP_TEST_REPLICA_A: `http://127.0.0.1:${portA}/mcp`,
        ONLY1MCP_TEST_REPLICA_B: `http://127.0.0.1:${portB}/mcp`,
      },
      dir,
    );
    await waitForHttp(`http://127.0.0.1:${port}/health`, proc);
    const c = await client('legacy', `http://127.0.0.1:${port}/mcp`);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toContain('fx__whoami');
    expect(names.filter((n) => n.startsWith('fx__'))).toHaveLength(3);
    expect(names).toContain('ev__echo');
    expect(names).not.toContain('ev__get-env');
    await expect(c.callTool({ name: 'ev__get-env', arguments: {} })).rejects.toThrow('Unknown tool: ev__get-env');
    expect(['A', 'B']).toContain(text(await c.callTool({ name: 'fx__whoami', arguments: {} })));
    await c.close();
    await proc.stop(20_000);
  });
});
