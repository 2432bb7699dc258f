import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { DIST } from '../helpers/processes.js';

const SERVER = path.join(DIST, 'test', 'fixtures', 'catalog-server.js');
const dir = mkdtempSync(path.join(tmpdir(), 'catalog-'));
const file = path.join(dir, 'tools.json');
writeFileSync(
  file,
  JSON.stringify({
    tools: [
      { server: 'alpha', name: 'b_tool', description: 'B', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
      { server: 'beta', name: 'other', description: 'O', inputSchema: { type: 'object' } },
      { server: 'alpha', name: 'a_tool', inputSchema: { type: 'object' } },
    ],
  }),
);

const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) await c.close();
});

describe('catalog-server fixture (real child process)', () => {
  it('--list-servers prints each server once, in file order', () => {
    expect(execFileSync(process.execPath, [SERVER, '--catalog', file, '--list-servers'], { encoding: 'utf8' })).toBe('alpha\nbeta\n');
  });

  it('serves one server\'s tools in file order and echoes calls', async () => {
    const client = new Client({ name: 'test', version: '1' });
    clients.push(client);
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [SERVER, '--catalog', file, '--server', 'alpha'] }));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['b_tool', 'a_tool']);
    expect(tools[0]!.inputSchema).toEqual({ type: 'object', properties: { q: { type: 'string' } } });
    const res = await client.callTool({ name: 'b_tool', arguments: { q: 'hi' } });
    expect(res.content).toEqual([{ type: 'text', text: 'alpha/b_tool called with {"q":"hi"}' }]);
    const bad = await client.callTool({ name: 'other', arguments: {} });
    expect(bad.isError).toBe(true);
  });

  it('exits with status 2 for an unknown server', () => {
    expect(() => execFileSync(process.execPath, [SERVER, '--catalog', file, '--server', 'nope'], { stdio: 'pipe' })).toThrow(/no tools for server "nope"/);
  });
});
