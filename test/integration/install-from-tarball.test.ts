/**
 * Installed as a user installs it (issue 9, finding 4): `npm pack` (its
 * prepack builds) then `npm install -g` of the tarball into a temporary
 * prefix, and `npm link` from a clone; then `only1mcp` is run from another
 * folder: --version, a background start whose printed stop command works as
 * printed, and the stdio bridge as the README's desktop snippet and
 * `only1mcp config bridge` configure it.
 *
 * The pack runs in a copy of the sources (node_modules linked), so its build
 * never rewrites the dist/ that the other test files run from. Installing
 * prefers npm's cache, which `npm ci` has just filled.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FIXTURES, tempDir } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, stopAll } from '../helpers/processes.js';
import { runAsync } from '../helpers/cli.js';

/** What the installed CLI is built from: the files `npm pack` needs (tsconfig includes the fixtures). */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'src', 'workers', 'test/fixtures'];
/** Starting gateways and bridges from the installed copy, on a loaded machine. */
const SLOW_TEST_MS = 180_000;
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let prefix: string;
let tarball: string;
const clients: Client[] = [];
const stops: Array<() => Promise<unknown>> = [];

/** The environment without the npm_* variables of the `npm test` that runs us. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** A user's shell after the install: the prefix's bin on PATH, private config and state folders. */
function userEnv(home: string, binDir: string): NodeJS.ProcessEnv {
  return cleanEnv({
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_STATE_HOME: path.join(home, 'state'),
    ONLY1MCP_CONFIG: '',
  });
}

beforeAll(() => {
  work = tempDir('only1mcp-pack-');
  const clone = path.join(work, 'clone');
  for (const rel of SOURCES) fs.cpSync(path.join(ROOT, rel), path.join(clone, rel), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
  const packed = execFileSync('npm', ['pack', '--pack-destination', work], { cwd: clone, env: cleanEnv(), encoding: 'utf8' });
  tarball = path.join(work, packed.trim().split('\n').at(-1)!);
  prefix = path.join(work, 'prefix');
  execFileSync('npm', ['install', '-g', tarball, '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: work, env: cleanEnv(), stdio: 'pipe' });
}, 300_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  for (const stop of stops) await stop();
  await stopAll();
});

async function toolsThrough(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string[]> {
  const c = new Client({ name: 'desktop-app', version: '1' });
  clients.push(c);
  await c.connect(new StdioClientTransport({ command, args, env: env as Record<string, string>, cwd, stderr: 'pipe' }));
  return (await c.listTools()).tools.map((t) => t.name);
}

describe('installed from the packed tarball', () => {
  it('the tarball holds the built command line and runtime, no tests or sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/dist/src/cli/main.js');
    expect(files).toContain('package/dist/src/worker/main.js');
    expect(files).toContain('package/dist/workers/json-task.js');
    expect(files.filter((f) => f.startsWith('package/dist/test/') || f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
  }, SLOW_TEST_MS);

  it('runs from any folder: --version, start, the bridge (README snippet and config bridge), and the stop command it prints', async () => {
    const home = tempDir();
    const elsewhere = tempDir();
    const env = userEnv(home, path.join(prefix, 'bin'));
    expect((await runAsync(path.join(prefix, 'bin', 'only1mcp'), ['--version'], env, elsewhere)).stdout).toBe(`${VERSION}\n`);

    const port = await freePort();
    const config = path.join(home, 'gw.yaml');
    fs.writeFileSync(config, `servers:\n  box:\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(path.join(FIXTURES, 'toolbox-server.js'))}]\n`);
    const started = await runAsync('only1mcp', ['start', '--config', config, '--port', String(port), '--workers', '1'], env, elsewhere);
    expect(started.stderr).toBe('');
    const stopLine = /stop it with: (.*)/.exec(started.stdout)?.[1];
    expect(stopLine).toBe(`only1mcp stop --port ${port}`);
    stops.push(() => runAsync('sh', ['-c', stopLine!], env, elsewhere));

    // The README's desktop snippet: { "command": "only1mcp", "args": ["stdio", ...] }, started by the app from its own folder.
    expect(await toolsThrough('only1mcp', ['stdio', '--port', String(port)], env, elsewhere)).toContain('box__echo');

    // config bridge: absolute paths, so even an app with a PATH that has neither node nor only1mcp reaches it.
    const snippet = JSON.parse((await runAsync('only1mcp', ['config', 'bridge', '--port', String(port)], env, elsewhere)).stdout) as {
      mcpServers: { only1mcp: { command: string; args: string[] } };
    };
    const entry = snippet.mcpServers.only1mcp;
    expect(entry.args[0]).toBe(fs.realpathSync(path.join(prefix, 'lib', 'node_modules', 'only1mcp', 'dist', 'src', 'cli', 'main.js')));
    expect(await toolsThrough(entry.command, entry.args, { ...env, PATH: '/nonexistent' }, elsewhere)).toContain('box__echo');

    const stopped = await runAsync('sh', ['-c', stopLine!], env, elsewhere);
    expect(stopped.stdout).toContain(`only1mcp stopped`);
  }, SLOW_TEST_MS);
});

describe('linked from a clone', () => {
  it('npm link puts only1mcp on PATH, runnable from any folder', async () => {
    const clone = path.join(work, 'clone');
    const linkPrefix = path.join(work, 'link-prefix');
    // The clone was built by the pack above (README: npm ci && npm run build && npm link).
    execFileSync('npm', ['link', '--no-audit', '--no-fund'], { cwd: clone, env: cleanEnv({ npm_config_prefix: linkPrefix }), stdio: 'pipe' });
    const r = await runAsync('only1mcp', ['--version'], userEnv(tempDir(), path.join(linkPrefix, 'bin')), tempDir());
    expect(r.stdout).toBe(`${VERSION}\n`);
  }, SLOW_TEST_MS);
});
