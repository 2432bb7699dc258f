/**
 * Backend lifecycles the gateway must absorb: an HTTP backend that restarts
 * and forgets its sessions, and stdio children stopped politely (stdin EOF)
 * or firmly (SIGTERM, then SIGKILL) when they ignore politeness.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { startGateway, tempDir } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForLine } from '../helpers/processes.js';
import { StdioChild } from '../../src/primary/stdio-child.js';
import { STDIO_EXIT_GRACE_MS } from '../../src/config/defaults.js';
import type { StdioServerConfig } from '../../src/config/model.js';
import { stdioServer } from '../helpers/server-config.js';

afterAll(stopAll);

const everything = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const text = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

describe('Streamable HTTP backend restarts', () => {
  it('re-initialises a session the backend forgot (404, or 400 as many servers answer) and retries the call, invisibly to the client', async () => {
    const port = await freePort();
    let backend = start(process.execPath, [everything, 'streamableHttp'], { PORT: String(port) });
    await waitForLine(backend, /listening on port/);
    const gateway = await startGateway(`servers:\n  web:\n    url: http://127.0.0.1:${port}/mcp\n`);
    const c: Client = await connect(gateway.url);
    expect(text(await c.callTool({ name: 'web__echo', arguments: { message: 'before' } }))).toBe('Echo: before');
    await backend.stop();
    backend = start(process.execPath, [everything, 'streamableHttp'], { PORT: String(port) });
    await waitForLine(backend, /listening on port/);
    expect(text(await c.callTool({ name: 'web__echo', arguments: { message: 'after' } }))).toBe('Echo: after');
    expect(gateway.proc.output()).toMatch(/backend session expired \((400|404)\); re-initialising/);
    await c.close();
    await gateway.stop();
    await backend.stop();
  });
});

function stdioConfig(script: string): StdioServerConfig {
  const dir = tempDir();
  const file = path.join(dir, 'child.mjs');
  fs.writeFileSync(file, script);
  return stdioServer('child', { command: process.execPath, args: [file] });
}

describe('stdio child stop sequence', () => {
  it('a child that exits on stdin EOF is gone without signals', async () => {
    const child = new StdioChild(stdioConfig(`process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`));
    child.start();
    const exit = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code}/${signal}`)));
    await new Promise((r) => setTimeout(r, 200));
    await child.stop();
    expect(await exit).toBe('0/null');
  });

  it('a child that ignores EOF and SIGTERM is killed with SIGKILL', async () => {
    const child = new StdioChild(stdioConfig(`process.on('SIGTERM', () => {}); process.stdin.resume(); setInterval(() => {}, 1000);`));
    child.start();
    const exit = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code}/${signal}`)));
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await child.stop();
    expect(await exit).toBe('null/SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(STDIO_EXIT_GRACE_MS);
  }, 15_000);

  it('skips and counts non-JSON lines and drops lines over the cap', async () => {
    const child = new StdioChild(stdioConfig(`process.stdout.write('banner\\n{"jsonrpc":"2.0","method":"x"}\\nnot json either\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`));
    const messages: unknown[] = [];
    child.on('message', (m) => messages.push(m));
    child.start();
    await new Promise((r) => setTimeout(r, 300));
    await child.stop();
    expect(messages).toEqual([{ jsonrpc: '2.0', method: 'x' }]);
    expect(child.invalidLines).toBe(2);
  });

  it('passes only allow-listed parent variables plus the configured ones', async () => {
    process.env.ONLY1MCP_TEST_SECRET = 'must-not-leak';
    const config = stdioConfig(`process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'env', params: { secret: process.env.ONLY1MCP_TEST_SECRET ?? null, path: !!process.env.PATH, mine: process.env.MINE } }) + '\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`);
    const child = new StdioChild({ ...config, env: { MINE: 'yes' } });
    const got = new Promise<unknown>((resolve) => child.once('message', resolve));
    child.start();
    expect(await got).toEqual({ jsonrpc: '2.0', method: 'env', params: { secret: null, path: true, mine: 'yes' } });
    await child.stop();
    delete process.env.ONLY1MCP_TEST_SECRET;
  });
});
