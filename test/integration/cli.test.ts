/**
 * The `only1mcp` command line as a user runs it: real processes, a private
 * HOME/XDG directory per test so nothing touches the machine's own config.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, FIXTURES, tempDir } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { start, stopAll, waitForHttp, waitForLine } from '../helpers/processes.js';
import { isolatedEnv, runCli, runCliAsync } from '../helpers/cli.js';

const run = runCli;
const runAsync = runCliAsync;

afterAll(stopAll);

describe('only1mcp CLI', () => {
  it('validate names the file, line, column and key of every problem, and exits 1', () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'servers:\n  github:\n    command: 42\n  web:\n    url: not a url\n    colour: red\n');
    const r = run(['validate', file], isolatedEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:3:5: servers.github.command: expected a string, got a number`);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:5: servers.web.colour`));
  });

  it('generates each template as a config that validates', () => {
    const dir = tempDir();
    for (const template of ['solo', 'team', 'enterprise']) {
      const out = path.join(dir, `${template}.yaml`);
      const gen = run(['config', 'generate', '--template', template, '--out', out], isolatedEnv(dir));
      expect(gen.code).toBe(0);
      // Templates reference secrets and endpoints by ${VAR}; give every referenced variable a value of its kind.
      const value = (name: string) => (name === 'REDIS_URL' ? 'redis://127.0.0.1:6379' : /(_URL|_ISSUER|_ENDPOINT)$/.test(name) ? 'https://idp.example.com/x' : 'secret-value');
      const vars = Object.fromEntries([...fs.readFileSync(out, 'utf8').matchAll(/\$\{(?:env:)?([A-Z0-9_]+)\}/g)].map((m) => [m[1]!, value(m[1]!)]));
      const val = run(['validate', out], { ...isolatedEnv(dir), ...vars });
      expect(val.stderr).toBe('');
      expect(val.code).toBe(0);
    }
  });

  it('imports a Claude Desktop config into a config that validates and loads as is too', () => {
    const dir = tempDir();
    const claude = path.join(dir, 'claude_desktop_config.json');
    fs.writeFileSync(claude, JSON.stringify({ mcpServers: { memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] }, remote: { url: 'https://example.com/mcp' } } }));
    expect(run(['validate', claude], isolatedEnv(dir)).code).toBe(0);
    const out = path.join(dir, 'only1mcp.yaml');
    const imported = run(['import', claude, '--out', out], isolatedEnv(dir));
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/imported 2 servers/);
    expect(run(['validate', out], isolatedEnv(dir)).code).toBe(0);
  });

  it('with no config at all, start runs on the built-in default and says where the config lives', async () => {
    const dir = tempDir();
    const port = await freePort();
    const gw = start(process.execPath, [CLI, 'start', '--foreground', '--port', String(port)], isolatedEnv(dir));
    await waitForLine(gw, /No configuration file found at .*only1mcp\/config\.yaml/);
    await waitForHttp(`http://127.0.0.1:${port}/health`, gw);
    const status = await runAsync(['status', '--port', String(port)], isolatedEnv(dir));
    expect(status.stdout).toMatch(/only1mcp ok/);
    // The node's facts come from GET /api/v1/admin/system.
    expect(status.stdout).toMatch(/\(generation 1\)\nversion \d+\.\d+\.\d+, up \d+s, \d+ workers? \(pid [\d, ]+\), store (memory|embedded-redis) \(up\)/);
    const stop = await runAsync(['stop', '--port', String(port)], isolatedEnv(dir));
    expect(stop.stdout + stop.stderr).toMatch(/only1mcp stopped/);
    expect(await gw.exited).toBe(0);
  });

  it('start (background), list, stop', async () => {
    const dir = tempDir();
    const port = await freePort();
    const config = path.join(dir, 'gw.yaml');
    fs.writeFileSync(config, `servers:\n  box:\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(path.join(FIXTURES, 'toolbox-server.js'))}]\n`);
    const started = run(['start', '--config', config, '--port', String(port)], isolatedEnv(dir));
    expect(started.stderr).toBe('');
    expect(started.stdout).toMatch(new RegExp(`only1mcp started \\(pid \\d+\\) on http://127.0.0.1:${port}/mcp`));
    const list = run(['list', '--port', String(port)], isolatedEnv(dir));
    expect(list.stdout).toMatch(/^box \(stdio, ready, modern\): \d+ tools/m);
    expect(list.stdout).toContain('box__echo');
    expect(run(['stop', '--port', String(port)], isolatedEnv(dir)).code).toBe(0);
    expect(run(['status', '--port', String(port)], isolatedEnv(dir)).stdout).toMatch(/not running/);
  });

  it('usage errors exit 2 and say what is wrong', () => {
    const dir = tempDir();
    const unknown = run(['frobnicate'], isolatedEnv(dir));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badFlag = run(['start', '--port', 'eighty'], isolatedEnv(dir));
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--port must be an integer from 0 to 65535');
  });

  it('a bad Redis setting says where it came from and what is wrong, never its password', () => {
    const dir = tempDir();
    const flag = run(['start', '--redis', 'redis://gw:Sup3rS3cret@h1:6379,h2:6379'], isolatedEnv(dir));
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--redis: redis:// takes one host; several hosts need redis+sentinel:// or redis+cluster://');
    const env = run(['start'], { ...isolatedEnv(dir), REDIS_URL: 'redis+cluster://gw:Sup3rS3cret@n1:7000/3' });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('REDIS_URL: redis+cluster:// takes no path (a cluster has database 0 only)');
    // A TLS file that cannot be read stops start at once, not every worker as it forks.
    const tls = run(['start', '--foreground', '--port', '0', '--redis', 'rediss://gw:Sup3rS3cret@127.0.0.1:6380?ca=/nonexistent/ca.pem'], isolatedEnv(dir));
    expect(tls.code).toBe(1);
    expect(tls.stderr).toContain('redis: cannot read the TLS ca file "/nonexistent/ca.pem" (ENOENT)');
    for (const r of [flag, env, tls]) expect(r.stdout + r.stderr).not.toContain('Sup3rS3cret');
  });
});
