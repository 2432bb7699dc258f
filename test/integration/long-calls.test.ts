/**
 * Progress-extended deadlines through the real gateway: a call whose
 * backend keeps reporting progress runs past the call timeout (three times
 * it, and completes); one whose backend stops reporting times out one
 * timeout after its last progress; one that reports forever stops at
 * maxCallMs. Over a stdio backend (both client eras) and an HTTP one.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { FIXTURES, fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { start, stopAll, waitForLine } from '../helpers/processes.js';

const TIMEOUT_MS = 1_000;
let gateway: Gateway;
const clients: Client[] = [];

const text = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

beforeAll(async () => {
  const port = await freePort();
  const web = start(process.execPath, [path.join(FIXTURES, 'replica-server.js'), '--name', 'web', '--port', String(port)]);
  await waitForLine(web, /listening/);
  const limits = `    timeoutMs: ${TIMEOUT_MS}\n    maxCallMs: ${5 * TIMEOUT_MS}\n`;
  gateway = await startGateway(`
servers:
${fixtureServer('box', 'toolbox-server.js', [], limits)}
${fixtureServer('tight', 'toolbox-server.js', ['--name', 'tight'], `    timeoutMs: ${TIMEOUT_MS}\n    maxCallMs: ${2 * TIMEOUT_MS}\n`)}
  web:
    url: http://127.0.0.1:${port}/mcp
${limits}`);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  await stopAll();
});

async function client(era: 'legacy' | 'modern'): Promise<Client> {
  const c = await connect(gateway.url, era);
  clients.push(c);
  return c;
}

/** Progress is only sent when the client asks for it (a progress token): onprogress does. */
function call(c: Client, name: string, args: Record<string, unknown>, progress: number[] = []) {
  return c.callTool({ name, arguments: args }, { onprogress: (p) => progress.push(p.progress), timeout: 30_000 });
}

describe('a call that keeps reporting progress', () => {
  it.each(['legacy', 'modern'] as const)('runs three times the call timeout and completes (stdio backend, %s client)', async (era) => {
    const c = await client(era);
    const progress: number[] = [];
    const result = await call(c, 'box__sleep', { ms: 3 * TIMEOUT_MS }, progress);
    expect(text(result)).toBe(`slept ${3 * TIMEOUT_MS}`);
    expect(progress.length).toBeGreaterThan(10);
  });

  it('runs three times the call timeout and completes (HTTP backend)', async () => {
    const c = await client('legacy');
    const result = await call(c, 'web__sleep', { ms: 3 * TIMEOUT_MS });
    expect(text(result)).toBe(`web slept ${3 * TIMEOUT_MS}`);
  });
});

describe('a call that stops reporting progress', () => {
  it.each(['legacy', 'modern'] as const)('times out one call timeout after its last progress (stdio backend, %s client)', async (era) => {
    const c = await client(era);
    const progress: number[] = [];
    await expect(call(c, 'box__sleep', { ms: 20 * TIMEOUT_MS, quietAfterMs: TIMEOUT_MS / 2 }, progress)).rejects.toThrow(`box tools/call reported no progress for ${TIMEOUT_MS} ms`);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p < TIMEOUT_MS / 2 + 100)).toBe(true);
  });

  it('times out one call timeout after its last progress (HTTP backend)', async () => {
    const c = await client('legacy');
    await expect(call(c, 'web__sleep', { ms: 20 * TIMEOUT_MS, quietAfterMs: TIMEOUT_MS / 2 })).rejects.toThrow(`web tools/call reported no progress for ${TIMEOUT_MS} ms`);
  });

  it('times out at the call timeout when the client asked for no progress', async () => {
    const c = await client('legacy');
    await expect(c.callTool({ name: 'box__sleep', arguments: { ms: 3 * TIMEOUT_MS } }, { timeout: 30_000 })).rejects.toThrow(`box tools/call did not answer within ${TIMEOUT_MS} ms`);
  });
});

describe('a call that reports progress forever', () => {
  it('stops at maxCallMs', async () => {
    const c = await client('legacy');
    const progress: number[] = [];
    await expect(call(c, 'tight__sleep', { ms: 20 * TIMEOUT_MS }, progress)).rejects.toThrow(`tight tools/call did not finish within ${2 * TIMEOUT_MS} ms`);
    expect(Math.max(...progress)).toBeLessThan(3 * TIMEOUT_MS);
  });

  it('leaves the server answering the next call', async () => {
    const c = await client('legacy');
    expect(text(await c.callTool({ name: 'tight__echo', arguments: { message: 'still here' } }))).toBe('still here');
  });
});
