/**
 * Smoke test of the conformance backend (test/fixtures/conformance-server.ts)
 * as a real process, over HTTP and stdio, in both protocol eras. The suites
 * themselves run against it by hand (see test/fixtures/conformance/README.md);
 * this only proves the fixture starts, negotiates each era and answers.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { connect } from '../helpers/clients.js';
import { DIST, start, stopAll, waitForLine } from '../helpers/processes.js';

afterAll(stopAll);

const fixture = path.join(DIST, 'test', 'fixtures', 'conformance-server.js');
const SIMPLE_TEXT = 'This is a simple text response for testing.';
const text = (result: unknown) => ((result as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

async function expectFixtureAnswers(client: Client, era: 'legacy' | 'modern'): Promise<void> {
  expect(client.getProtocolEra()).toBe(era);
  const { tools } = await client.listTools();
  expect(tools[0]?.name).toBe('test_simple_text');
  expect(text(await client.callTool({ name: 'test_simple_text' }))).toBe(SIMPLE_TEXT);
  await client.close();
}

describe('conformance fixture over HTTP', () => {
  it('prints its URL once listening on port 0 and serves both eras on it', async () => {
    const proc = start(process.execPath, [fixture, 'http', '--port', '0']);
    let stdout = '';
    proc.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [line, url] = await waitForLine(proc, /^listening (http:\/\/127\.0\.0\.1:\d+\/mcp)$/m);
    await expectFixtureAnswers(await connect(url!, 'legacy'), 'legacy');
    await expectFixtureAnswers(await connect(url!, 'modern'), 'modern');
    expect(stdout).toBe(`${line}\n`);
    await proc.stop();
  });
});

describe('conformance fixture over stdio', () => {
  it.each([
    ['legacy', 'legacy'],
    ['modern', { pin: '2026-07-28' }],
  ] as const)('serves the %s era', async (era, mode) => {
    const client = new Client({ name: `smoke-${era}`, version: '1.0.0' }, { versionNegotiation: { mode } });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [fixture, 'stdio'] }));
    await expectFixtureAnswers(client, era);
  });
});
