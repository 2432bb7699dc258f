/**
 * Client configuration files load as they are (issue 9, finding 5): each
 * client's own file (test/fixtures/clients/, see its README) passes
 * `validate` with its own settings warned about, not refused; gateways
 * started on a Claude Desktop file and a VS Code file serve their servers;
 * a URL-only server behind a legacy SSE endpoint is found by probing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, tempDir } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForLine } from '../helpers/processes.js';
import { isolatedEnv, runCliAsync } from '../helpers/cli.js';

/** These tests start gateways and CLI processes one after another: generous on a loaded machine. */
const SLOW_TEST_MS = 180_000;

const CLIENTS = path.join(ROOT, 'test', 'fixtures', 'clients');
const EVERYTHING = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
/** The variables the fixture files reference, as a user would have them set. */
const VARIABLES = { API_KEY: 'k', GITHUB_TOKEN: 'ghp_x', CONTEXT7_API_KEY: 'c7', ONLY1MCP_INPUT_PERPLEXITY_KEY: 'pplx' };

let ssePort: number;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  ssePort = await freePort();
  const sse = start(process.execPath, [EVERYTHING, 'sse'], { PORT: String(ssePort) });
  await waitForLine(sse, /running on port/);
});

afterAll(async () => {
  for (const stop of stops) await stop();
  await stopAll();
});

describe("each client's own file passes validate as it is", () => {
  const cases: Array<{ file: string; servers: string; warnings: string[] }> = [
    {
      file: 'claude-desktop/claude_desktop_config.json',
      servers: '3 servers: 3 stdio, 0 http',
      warnings: ["claude_desktop_config.json:24:3: globalShortcut: ignored: a Claude Desktop setting, not one of the gateway's"],
    },
    { file: 'claude-code/.mcp.json', servers: '3 servers: 1 stdio, 2 http', warnings: [] },
    { file: 'cursor/.cursor/mcp.json', servers: '3 servers: 2 stdio, 1 http', warnings: [] },
    { file: 'vscode/.vscode/mcp.json', servers: '3 servers: 2 stdio, 1 http', warnings: [] },
    { file: 'windsurf/mcp_config.json', servers: '3 servers: 2 stdio, 1 http', warnings: [] },
    {
      file: 'cline/cline_mcp_settings.json',
      servers: '3 servers: 2 stdio, 1 http',
      warnings: ['cline_mcp_settings.json:3:5: mcpServers["github.com/modelcontextprotocol/servers/tree/main/src/brave-search"]: named "brave-search" here'],
    },
  ];
  for (const c of cases) {
    it(c.file, async () => {
      const file = path.join(CLIENTS, c.file);
      const r = await runCliAsync(['validate', '--config', file], isolatedEnv(tempDir(), VARIABLES));
      expect(r.stdout).toBe(`${file}: OK (${c.servers})\n`);
      expect(r.code).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l !== '');
      expect(warnings).toHaveLength(c.warnings.length);
      c.warnings.forEach((w, i) => expect(warnings[i]).toContain(w));
    }, SLOW_TEST_MS);
  }

  it('a VS Code input the gateway cannot prompt for names the variable that provides it', async () => {
    const file = path.join(CLIENTS, 'vscode/.vscode/mcp.json');
    const r = await runCliAsync(['validate', '--config', file], isolatedEnv(tempDir()));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('servers.perplexity.env.PERPLEXITY_API_KEY: ${input:perplexity-key} is a VS Code prompt the gateway cannot show; set ONLY1MCP_INPUT_PERPLEXITY_KEY in its environment instead');
  }, SLOW_TEST_MS);

  it("the gateway's own files stay strict: the same top-level key in gateway.json is an error", async () => {
    const dir = tempDir();
    const file = path.join(dir, 'gateway.json');
    fs.copyFileSync(path.join(CLIENTS, 'claude-desktop/claude_desktop_config.json'), file);
    const r = await runCliAsync(['validate', file], isolatedEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:24:3: globalShortcut: unknown key`);
  }, SLOW_TEST_MS);
});

/** A background gateway on `file` (a private state folder), stopped after the file's tests. */
async function startOn(file: string, env: NodeJS.ProcessEnv): Promise<{ port: number; log: string; list(): Promise<string> }> {
  const port = await freePort();
  const started = await runCliAsync(['start', '--config', file, '--port', String(port), '--workers', '1'], env);
  expect(started.stdout, started.stderr).toMatch(/only1mcp started/);
  stops.push(() => runCliAsync(['stop', '--port', String(port)], env));
  const log = /log: (.*)/.exec(started.stdout)![1]!;
  return { port, log, list: async () => (await runCliAsync(['list', '--port', String(port)], env)).stdout };
}

const toolbox = { command: process.execPath, args: [path.join(FIXTURES, 'toolbox-server.js')] };

describe('gateways started on client files', () => {
  it('Claude Desktop: its globalShortcut is ignored; a URL-only legacy SSE server is probed and served', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'claude_desktop_config.json');
    fs.writeFileSync(file, JSON.stringify({ mcpServers: { box: toolbox, events: { url: `http://127.0.0.1:${ssePort}/sse` } }, globalShortcut: 'Alt+Space' }, null, 2));
    const env = isolatedEnv(dir);
    const gw = await startOn(file, env);
    const list = await gw.list();
    expect(list).toMatch(/^box \(stdio, ready, modern\): 10 tools/m);
    expect(list).toMatch(/^events \(sse, ready, legacy\): \d+ tools/m);
    expect(list).toContain('events__echo');
    const log = fs.readFileSync(gw.log, 'utf8');
    expect(log).toContain('globalShortcut: ignored: a Claude Desktop setting');
    expect(log).toMatch(/"backend":"events".*"transport":"sse","reason":"POST initialize answered HTTP 404; GET opened an SSE stream that began with an endpoint event".*"URL-only server: probed, speaks legacy HTTP\+SSE"/);
  }, SLOW_TEST_MS);

  it('VS Code: servers and inputs, the input from ONLY1MCP_INPUT_*', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, '.vscode'));
    const file = path.join(dir, '.vscode', 'mcp.json');
    fs.writeFileSync(
      file,
      `{
  // JSON with comments, as VS Code writes it
  "inputs": [{ "type": "promptString", "id": "box-name", "description": "Name of the box", "password": false }],
  "servers": {
    "box": { "type": "stdio", "command": ${JSON.stringify(toolbox.command)}, "args": [${JSON.stringify(toolbox.args[0])}, "--name", "\${input:box-name}"] },
    "events": { "type": "sse", "url": "http://127.0.0.1:${ssePort}/sse" }
  }
}`,
    );
    const gw = await startOn(file, isolatedEnv(dir, { ONLY1MCP_INPUT_BOX_NAME: 'vsbox' }));
    const list = await gw.list();
    expect(list).toMatch(/^box \(stdio, ready, modern\): 10 tools/m);
    expect(list).toMatch(/^events \(sse, ready, legacy\)/m);
    const status = await runCliAsync(['status', '--port', String(gw.port), '--json'], isolatedEnv(dir));
    expect(JSON.parse(status.stdout).servers.find((s: { name: string }) => s.name === 'box')).toMatchObject({ state: 'ready' });
  }, SLOW_TEST_MS);

  it('a URL that answers as neither transport is reported with what the probe saw', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mcp_config.json');
    // Windsurf spelling; the path exists on no MCP server: the SSE server answers 404 to both probes.
    fs.writeFileSync(file, JSON.stringify({ mcpServers: { box: toolbox, wrong: { serverUrl: `http://127.0.0.1:${ssePort}/nothing-here` } } }));
    const env = isolatedEnv(dir);
    const port = await freePort();
    const started = await runCliAsync(['start', '--config', file, '--port', String(port), '--workers', '1'], env);
    stops.push(() => runCliAsync(['stop', '--port', String(port)], env));
    expect(started.code).toBe(0);
    expect(started.stderr).toContain('warning: 1 of 2 servers did not start:\n  wrong (streamable-http, restarting)');
    expect(started.stderr).toContain('(the URL answered neither as Streamable HTTP nor as legacy SSE: POST initialize answered HTTP 404, and GET answered HTTP 404');
  }, SLOW_TEST_MS);
});
