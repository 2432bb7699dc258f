/**
 * The command line a newcomer meets (issue 9, findings 6, 7 and 9): the
 * stdio bridge keeps the URL's query and takes --context; its errors name
 * the URL and what to do; `list` counts resources and templates; every
 * command answers --help; validate takes --config; a command a message
 * prints works when run as printed, from another folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, fixtureServer, startGateway, tempDir, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForLine } from '../helpers/processes.js';
import { isolatedEnv, runAsync, runCli, runCliAsync } from '../helpers/cli.js';
import { BRIDGE_UNREACHABLE_CODE } from '../../src/bridge/stdio-bridge.js';
import { COMMAND_USAGE } from '../../src/cli/usage.js';

/** These tests start gateways and CLI processes one after another: generous on a loaded machine. */
const SLOW_TEST_MS = 180_000;

const EVERYTHING = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');

let gateway: Gateway;
let everythingPort: number;
const clients: Client[] = [];

beforeAll(async () => {
  everythingPort = await freePort();
  const every = start(process.execPath, [EVERYTHING, 'streamableHttp'], { PORT: String(everythingPort) });
  await waitForLine(every, /listening on port/);
  gateway = await startGateway(`servers:\n${fixtureServer('box', 'toolbox-server.js')}\n  every:\n    type: http\n    url: http://127.0.0.1:${everythingPort}/mcp\n`);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  await stopAll();
});

/** The env under which the gateway's PID file is found (startGateway keeps its state next to its config). */
const gatewayEnv = () => ({ ...process.env, XDG_STATE_HOME: path.dirname(gateway.configFile) }) as Record<string, string>;

async function bridgeTools(args: string[]): Promise<string[]> {
  const c = new Client({ name: 'bridge-test', version: '1' });
  clients.push(c);
  await c.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', ...args], env: gatewayEnv(), stderr: 'pipe', cwd: tempDir() }));
  return (await c.listTools()).tools.map((t) => t.name);
}

const META_TOOLS = ['only1mcp__call_tool', 'only1mcp__find_tools', 'only1mcp__load_tools'];

describe('the stdio bridge', () => {
  it('keeps the query of --url: ?context=search reaches the gateway', async () => {
    expect((await bridgeTools(['--url', `${gateway.url}?context=search`])).sort()).toEqual(META_TOOLS);
    expect(await bridgeTools(['--url', gateway.url])).toContain('box__echo');
  }, SLOW_TEST_MS);

  it('takes --context MODE, with --url (a bare origin means /mcp) or --port', async () => {
    expect((await bridgeTools(['--url', gateway.base, '--context', 'search'])).sort()).toEqual(META_TOOLS);
    expect((await bridgeTools(['--port', String(gateway.port), '--context', 'search'])).sort()).toEqual(META_TOOLS);
    const bad = runCli(['stdio', '--context', 'tiny'], gatewayEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--context must be one of full, compact, search, got "tiny"');
  }, SLOW_TEST_MS);

  it('with no gateway, answers each request with an error naming the URL and what to do', async () => {
    const port = await freePort();
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    // A client keeps stdin open while it waits for its answer.
    const bridge = start(process.execPath, [CLI, 'stdio', '--port', String(port)], isolatedEnv(tempDir()), tempDir());
    bridge.child.stdin!.write(`${init}\n`);
    const line = (await waitForLine(bridge, /^\{.*\}$/m))[0];
    bridge.child.stdin!.end();
    await bridge.exited;
    const r = { stderr: bridge.output() };
    const answer = JSON.parse(line) as { id: number; error: { code: number; message: string } };
    expect(answer.id).toBe(1);
    expect(answer.error.code).toBe(BRIDGE_UNREACHABLE_CODE);
    expect(answer.error.message).toContain(`cannot reach the gateway at http://127.0.0.1:${port}/mcp (ECONNREFUSED): is it running? start one with: `);
    expect(answer.error.message).toContain(`start --port ${port}, or point the bridge at it with --url or --port`);
    expect(answer.error.message).not.toContain('fetch failed');
    expect(r.stderr).toContain(`cannot reach the gateway at http://127.0.0.1:${port}/mcp`);
  }, SLOW_TEST_MS);
});

describe('list', () => {
  it('counts resources by URI and templates by URI template', async () => {
    const c = new Client({ name: 'count', version: '1' });
    clients.push(c);
    await c.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
    const resources = (await c.listResources()).resources.length;
    const templates = (await c.listResourceTemplates()).resourceTemplates.length;
    expect(resources).toBeGreaterThan(0);
    expect(templates).toBeGreaterThan(0);
    const list = await runCliAsync(['list', '--port', String(gateway.port)], gatewayEnv());
    expect(list.stdout).toMatch(new RegExp(`^every \\(streamable-http, ready, legacy\\): \\d+ tools, \\d+ prompts, ${resources} resources, ${templates} templates$`, 'm'));
  }, SLOW_TEST_MS);
});

describe('every command', () => {
  it('answers --help and -h with its own usage, exit 0', () => {
    const env = isolatedEnv(tempDir());
    for (const command of Object.keys(COMMAND_USAGE)) {
      for (const flag of ['--help', '-h']) {
        const r = runCli([command, flag], env);
        expect(r.code, `${command} ${flag}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toBe(COMMAND_USAGE[command]);
        expect(r.stdout.startsWith(`only1mcp ${command}`)).toBe(true);
      }
    }
    const all = runCli(['--help'], env);
    for (const command of Object.keys(COMMAND_USAGE)) expect(all.stdout).toContain(`  only1mcp ${command}`);
  }, SLOW_TEST_MS);

  it('a usage error shows that command\'s usage', () => {
    const r = runCli(['list', '--frobnicate'], isolatedEnv(tempDir()));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`only1mcp: unknown option --frobnicate\n\n${COMMAND_USAGE.list}`);
  }, SLOW_TEST_MS);

  it('validate takes the file as an argument or with --config, not both', () => {
    const dir = tempDir();
    const file = path.join(dir, 'gw.yaml');
    fs.writeFileSync(file, 'servers: {}\n');
    expect(runCli(['validate', '--config', file], isolatedEnv(dir)).stdout).toBe(`${file}: OK (0 servers: 0 stdio, 0 http)\n`);
    expect(runCli(['validate', file], isolatedEnv(dir)).code).toBe(0);
    const both = runCli(['validate', file, '--config', file], isolatedEnv(dir));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('pass the file once: as an argument or with --config');
  }, SLOW_TEST_MS);
});

describe('commands named in messages work as printed', () => {
  it('without only1mcp on PATH, start and list print node and this file, and those commands work from another folder', async () => {
    const dir = tempDir();
    const port = await freePort();
    // PATH without any only1mcp: the directory of this node only.
    const env = isolatedEnv(dir, { PATH: path.dirname(process.execPath) });
    const elsewhere = tempDir();

    const list = await runCliAsync(['list', '--port', String(port)], env);
    expect(list.code).toBe(1);
    const startLine = /start one with: (.*), or pass --url/.exec(list.stderr)?.[1];
    expect(startLine).toBe(`node ${CLI} start --port ${port}`);
    const started = await runAsync('sh', ['-c', startLine!], env, elsewhere);
    expect(started.stdout).toContain(`only1mcp started`);

    const stopLine = /stop it with: (.*)/.exec(started.stdout)?.[1];
    expect(stopLine).toBe(`node ${CLI} stop --port ${port}`);
    const stopped = await runAsync('sh', ['-c', stopLine!], env, elsewhere);
    expect(stopped.stdout).toContain(`only1mcp stopped`);
  }, SLOW_TEST_MS);
});
