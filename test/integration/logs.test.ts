/**
 * Logs for people and machines, from a real gateway: coloured lines when
 * stderr is a terminal (a pseudo-terminal from util-linux `script`), JSON
 * lines when it is a pipe, either forced by `--log-format` or
 * ONLY1MCP_LOG_FORMAT; and a backend that keeps failing its handshake logs
 * its warning once, then a count, with every retry accounted for.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI, startGateway, tempDir } from '../helpers/gateway.js';
import { ROOT, start, stopAll, waitForLine, type Proc } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

const ANSI = /\u001b\[[0-9;]*m/g;
const PRETTY = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) /;

/** A backend that answers every request with HTTP 500, counting them: each is one failed handshake. */
let failing: http.Server;
let failingUrl: string;
let attempts = 0;

beforeAll(async () => {
  failing = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') attempts++;
      res.writeHead(500, { 'content-type': 'text/plain' }).end('down for maintenance');
    });
  });
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  await stopAll();
  failing.closeAllConnections();
  await new Promise((resolve) => failing.close(resolve));
});

function configFile(yaml: string): { file: string; dir: string } {
  const dir = tempDir();
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, yaml);
  return { file, dir };
}

/** The gateway in the foreground under a pseudo-terminal: its stderr is a TTY, as in an operator's shell. */
async function startOnTerminal(extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ proc: Proc; stop(): Promise<void> }> {
  const { file, dir } = configFile('servers: {}\n');
  const port = await freePort();
  // No NO_COLOR from the environment the tests run in: a terminal gets colours.
  const command = ['exec', 'env', '-u', 'NO_COLOR', process.execPath, CLI, 'start', '--foreground', '--config', file, '--port', String(port), '--workers', '1', ...extraArgs].map((a) => `'${a}'`).join(' ').replace("'exec'", 'exec');
  const proc = start('script', ['-q', '-e', '-c', command, '/dev/null'], { XDG_STATE_HOME: dir, XDG_CONFIG_HOME: dir, ONLY1MCP_ROOT: ROOT, ...env });
  await waitForLine(proc, /ready on http:\/\/127\.0\.0\.1:\d+\/mcp/);
  // `script` runs the gateway as its child (exec): stop that primary, which drains and exits, and script with it.
  const primary = Number(execFileSync('pgrep', ['-P', String(proc.child.pid)]).toString().trim().split('\n')[0]);
  return {
    proc,
    stop: async () => {
      process.kill(primary, 'SIGTERM');
      await proc.exited;
    },
  };
}

function lines(output: string): string[] {
  return output.replace(/\r/g, '').split('\n').filter((l) => l.trim() !== '');
}

describe('log format', () => {
  it('pretty, coloured lines when stderr is a terminal', async () => {
    const gw = await startOnTerminal();
    await gw.stop();
    const out = lines(gw.proc.output());
    expect(out.length).toBeGreaterThan(3);
    expect(gw.proc.output()).toContain('\u001b[32mINFO \u001b[0m');
    for (const line of out) {
      expect(line.replace(ANSI, '')).toMatch(PRETTY);
      expect(() => JSON.parse(line)).toThrow();
    }
    expect(out.some((l) => /primary .*only1mcp ready on/.test(l.replace(ANSI, '')))).toBe(true);
    expect(out.some((l) => /worker-0 .*worker listening/.test(l.replace(ANSI, '')))).toBe(true);
  });

  it('--log-format json on a terminal: JSON lines, from the workers too', async () => {
    const gw = await startOnTerminal(['--log-format', 'json']);
    await gw.stop();
    const records = lines(gw.proc.output()).map((l) => JSON.parse(l) as { role: string; msg: string });
    expect(records.some((r) => r.role === 'primary')).toBe(true);
    expect(records.some((r) => r.role === 'worker-0')).toBe(true);
  });

  it('JSON lines when stderr is a pipe; ONLY1MCP_LOG_FORMAT=pretty forces pretty lines, without colours off a terminal', async () => {
    const piped = await startGateway('servers: {}\n');
    await piped.stop();
    const records = lines(piped.proc.output()).map((l) => JSON.parse(l) as { level: string; role: string });
    expect(records.length).toBeGreaterThan(3);
    expect(new Set(records.map((r) => r.role))).toEqual(new Set(['primary', 'worker-0']));

    const forced = await startGateway('servers: {}\n', { env: { ONLY1MCP_LOG_FORMAT: 'pretty', FORCE_COLOR: '0' } });
    await forced.stop();
    const out = lines(forced.proc.output());
    for (const line of out) expect(line).toMatch(PRETTY);
    expect(forced.proc.output()).not.toMatch(ANSI);
  });

  it('a format that does not exist is refused with a message naming it', async () => {
    const { file } = configFile('servers: {}\n');
    const bad = start(process.execPath, [CLI, 'start', '--foreground', '--config', file, '--port', '0', '--log-format', 'fancy']);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('--log-format must be pretty or json');
    const badEnv = start(process.execPath, [CLI, 'start', '--foreground', '--config', file, '--port', '0'], { ONLY1MCP_LOG_FORMAT: 'yaml' });
    expect(await badEnv.exited).toBe(2);
    expect(badEnv.output()).toContain('ONLY1MCP_LOG_FORMAT must be pretty or json, got "yaml"');
  });
});

describe('repeated warnings', () => {
  it('a backend failing every handshake: its warning once, then a count; every retry accounted for', async () => {
    attempts = 0;
    // A declared type: a URL-only server is probed first, and the probe's requests are not handshakes.
    const gateway = await startGateway(`servers:\n  down:\n    url: ${failingUrl}\n    type: streamable-http\n`);
    // Backoff from 250 ms: a few seconds give several retries.
    await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(5), { timeout: 20_000, interval: 100 });
    await gateway.stop();
    const records = lines(gateway.proc.output()).map((l) => JSON.parse(l) as { msg: string; level: string; backend?: string; repeated?: number; err?: string });
    const handshake = records.filter((r) => r.msg.startsWith('http backend handshake failed'));
    const first = handshake.filter((r) => r.repeated === undefined);
    const counts = handshake.filter((r) => r.repeated !== undefined);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ level: 'warn', backend: 'down' });
    expect(first[0]!.err).toContain('HTTP 500');
    expect(counts.length).toBeGreaterThanOrEqual(1);
    for (const c of counts) expect(c.msg).toMatch(/^http backend handshake failed \(repeated \d+ more times? in 60 s\)$/);
    expect(1 + counts.reduce((n, c) => n + c.repeated!, 0)).toBe(attempts);
  });
});
