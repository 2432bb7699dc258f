/**
 * `only1mcp tui` in a real terminal (tmux, 80×24) against a real gateway:
 * every tab reached with the keys a user presses, the screen read back as
 * text, a server disabled from the Servers tab and the gateway's admin API
 * saying it is, then `q` ending it with the terminal given back. Also: the
 * refusal without a terminal, and the offer to start a gateway when none
 * answers (no → a hint; yes → `only1mcp start` runs and the TUI shows it).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, fixtureServer, startGateway, tempDir, type Gateway } from '../helpers/gateway.js';
import { isolatedEnv, processesWith, runCliAsync, untilNoneWith } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, stopAll } from '../helpers/processes.js';
import { Terminal } from '../helpers/terminal.js';
import { NOT_A_TTY } from '../../src/cli/commands/tui.js';
import fs from 'node:fs';
import { generateApiKey, hashApiKey } from '../../src/auth/api-keys.js';

const COLUMNS = 80;
const ROWS = 24;
/** Gateways start and stop in these tests: generous on a loaded machine. */
const SLOW_TEST_MS = 120_000;

let gateway: Gateway;
const terminals: Terminal[] = [];

/** The environment that finds `gateway` by its PID file, as a user's shell would. */
function gatewayEnv(): Record<string, string> {
  const dir = path.dirname(gateway.configFile);
  return { XDG_STATE_HOME: dir, XDG_CONFIG_HOME: dir, ONLY1MCP_ROOT: ROOT };
}

function open(args: string[], env: Record<string, string>): Terminal {
  const t = Terminal.open([process.execPath, CLI, 'tui', ...args], env, COLUMNS, ROWS);
  terminals.push(t);
  return t;
}

/** A stateless tools/call, so that the Requests tab has something to show. */
async function call(tool: string): Promise<void> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': tool },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: { message: 'hi' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

interface ServerState {
  state: string;
  disabled: boolean;
  disabledBy?: string;
  restarts: number;
}

async function adminServer(name: string): Promise<ServerState> {
  const res = await fetch(`${gateway.base}/api/v1/admin/servers/${name}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ServerState;
}

/** The screen as rows, padded to the terminal's height. */
const rowsOf = (screen: string) => screen.replace(/\n$/, '').split('\n');

beforeAll(async () => {
  gateway = await startGateway(`servers:\n${fixtureServer('toolbox', 'toolbox-server.js')}${fixtureServer('docs', 'toolbox-server.js', ['--name', 'docs'])}`);
});

afterAll(async () => {
  for (const t of terminals) t.close();
  await gateway?.stop();
  await stopAll();
});

describe('only1mcp tui', () => {
  it('shows every tab at 80×24, disables, enables and restarts the selected server after confirmation, and quits giving the terminal back', async () => {
    for (let i = 0; i < 3; i++) await call('toolbox__echo');
    const term = open(['--port', String(gateway.port)], gatewayEnv());

    // Overview: the chrome is where it belongs on every row, nothing wrapped.
    let screen = await term.waitFor((s) => s.includes('Requests/s') && s.includes('● connected'));
    let rows = rowsOf(screen);
    expect(rows[0]).toMatch(new RegExp(`^only1mcp \\S+ · http://127\\.0\\.0\\.1:${gateway.port} · up `));
    expect(rows[1]).toMatch(/^ 1 Overview {2}2 Servers {2}3 Requests {2}4 Cache {2}5 Logs/);
    expect(rows[2]).toBe('─'.repeat(COLUMNS));
    expect(rows).toHaveLength(ROWS);
    expect(rows[ROWS - 2]).toBe('Tab/1-5 switch · r refresh · q quit');
    expect(rows[ROWS - 1]).toMatch(/^● connected · updated \d\d:\d\d:\d\d$/);
    expect(screen).toMatch(/^Latency {6}p50 /m);
    expect(screen).toMatch(/^Servers {6}2 \(2 ready\)$/m);
    expect(rows.every((r) => [...r].length <= COLUMNS)).toBe(true);

    // Requests by Tab twice, the calls made above among them.
    term.press('Tab', 'Tab');
    screen = await term.waitFor(/^TIME +METHOD +TARGET +LATENCY +OUTCOME +W$/m);
    await term.waitFor(/tools\/call +toolbox__echo +[\d.]+ m?s ok/);
    // The filter: typed after /, kept with Enter.
    term.type('/docs');
    term.press('Enter');
    screen = await term.waitFor(/^filter: docs {2}\(\/ edits, Esc clears\) · p pauses · 0 of \d+/m);
    expect(screen).not.toMatch(/toolbox__echo/);
    term.press('Escape');
    await term.waitFor(/toolbox__echo/);

    // Cache with 4, Logs with 5 (the gateway's own lines, live), back with Shift-Tab.
    term.press('4');
    await term.waitFor(/^Hit rate +[\d.]+%/m);
    term.press('5');
    await term.waitFor(/^TIME +LEVEL MESSAGE$/m);
    await term.waitFor(/ info +\[\d\] worker listening/);
    term.press('p');
    await term.waitFor('PAUSED (p resumes)');
    term.press('p', 'BTab');
    await term.waitFor(/^Hit rate/m);

    // Servers: select docs, disable it, confirm.
    term.press('2');
    screen = await term.waitFor(/^› toolbox +ready /m);
    expect(rowsOf(screen)[3]).toMatch(/^ {2}SERVER +STATE +HEALTH +REQ\/S ERRORS RESTARTS TOOLS$/);
    expect(screen).toMatch(/^ {2}docs +ready +\S+ +\S+ +0 +0 +10$/m);
    term.press('Down');
    await term.waitFor(/^› docs +ready /m);
    term.press('d');
    await term.waitFor(/^Disable server docs\? \[y\/N\]$/m);
    term.press('y');
    screen = await term.waitFor(/^disable docs: accepted \(HTTP 202\)$/m);
    await term.waitFor(/^› docs +disabled /m);
    await term.waitFor(/^docs: stdio, 0 in flight, disabled by an admin \(e enables\)$/m);
    expect(await adminServer('docs')).toMatchObject({ state: 'disabled', disabled: true, disabledBy: 'admin' });
    expect((await adminServer('toolbox')).disabled).toBe(false);

    // Enable it again, answering no first: nothing happens until yes.
    term.press('e', 'n');
    await term.waitFor(/^enable docs: cancelled$/m);
    expect((await adminServer('docs')).disabled).toBe(true);
    term.press('e', 'y');
    await term.waitFor(/^enable docs: accepted \(HTTP 202\)$/m);
    expect((await adminServer('docs')).disabled).toBe(false);

    // Restart with r: the gateway counts it, and the RESTARTS column shows it.
    const restarts = (await adminServer('docs')).restarts;
    term.press('r');
    await term.waitFor(/^Restart server docs\? \[y\/N\]$/m);
    term.press('y');
    await term.waitFor(/^restart docs: accepted \(HTTP 202\)$/m);
    await term.waitFor(new RegExp(`^› docs +ready +\\S+ +\\S+ +0 +${restarts + 1} +10$`, 'm'));
    expect((await adminServer('docs')).restarts).toBe(restarts + 1);

    term.press('q');
    expect(await term.exitStatus()).toBe(0);
    // Off the alternate screen: what was on the terminal before is back, the TUI is gone.
    expect(term.screen()).not.toMatch(/Overview|SERVER/);
  }, SLOW_TEST_MS);

  it('says the gateway is gone and keeps retrying instead of crashing; Ctrl-C quits', async () => {
    const port = await freePort();
    // A gateway of its own, so that stopping it leaves the other tests theirs.
    const own = await startGateway(`servers:\n${fixtureServer('toolbox', 'toolbox-server.js')}`, { port });
    const term = open(['--port', String(port), '--interval', '300'], { XDG_STATE_HOME: path.dirname(own.configFile), ONLY1MCP_ROOT: ROOT });
    await term.waitFor('● connected');
    await own.stop();
    await term.waitFor(/^● disconnected, retrying every 0\.3 s: ECONNREFUSED$/m);
    term.press('2');
    await term.waitFor(/^› toolbox /m); // the last view stays on screen
    term.press('C-c');
    expect(await term.exitStatus()).toBe(0);
  }, SLOW_TEST_MS);

  it('refuses to run without a terminal, with exit code 2 and what to use instead', async () => {
    const r = await runCliAsync(['tui', '--port', String(gateway.port)], isolatedEnv(tempDir()));
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'only1mcp tui needs an interactive terminal; use `only1mcp status` or the admin API for scripts\n' });
    expect(r.stderr).toBe(NOT_A_TTY);
    const fast = await runCliAsync(['tui', '--interval', '50'], isolatedEnv(tempDir()));
    expect(fast.code).toBe(2);
    expect(fast.stderr).toMatch(/^only1mcp: --interval must be an integer from 200 to 60000, got "50"\n\nonly1mcp tui /);
  });

  it('offers no start for a --url it could not start a gateway at, and says so', async () => {
    const port = await freePort();
    const term = open(['--url', `https://127.0.0.1:${port}/mcp`], { ONLY1MCP_ROOT: ROOT });
    expect(await term.exitStatus()).toBe(1);
    expect(term.text()).toContain(`No gateway answers at https://127.0.0.1:${port}.\n`);
    expect(term.text()).not.toContain('Start one now?');
  });

  it('offers to start a gateway when none answers: no prints how, yes starts one as `only1mcp start` does', async () => {
    const dir = tempDir();
    const port = await freePort();
    const marker = `only1mcp-tui-start-${process.pid}-${port}`;
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(config, `servers:\n${fixtureServer('toolbox', 'toolbox-server.js')}`);
    const env = { HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), XDG_CONFIG_HOME: path.join(dir, 'config'), ONLY1MCP_CONFIG: '', ONLY1MCP_ROOT: ROOT, TUI_TEST_MARKER: marker };
    const question = `No gateway answers at http://127.0.0.1:${port}. Start one now? [y/N]`;
    try {
      const no = open(['--port', String(port), '--config', config], env);
      await no.waitFor(question);
      no.press('Enter');
      expect(await no.exitStatus()).toBe(1);
      expect(no.text()).toContain(`${question}\nstart one with`);
      expect(no.text()).toMatch(new RegExp(`start one with: .+ start --port ${port}, then run the TUI again`));
      // The tmux server holds the marker too (it ran the command): gone with the terminal, and nothing else started.
      no.close();
      expect(await untilNoneWith(marker)).toEqual([]);

      const yes = open(['--port', String(port), '--config', config], env);
      await yes.waitFor(question);
      yes.type('y');
      yes.press('Enter');
      await yes.waitFor((s) => s.includes('● connected') && /^Servers {6}1 \(1 ready\)$/m.test(s), 60_000);
      yes.press('q');
      expect(await yes.exitStatus()).toBe(0);
      // What `start` printed is on the terminal the TUI gave back.
      expect(yes.text()).toMatch(new RegExp(`only1mcp started \\(pid \\d+\\) on http://127\\.0\\.0\\.1:${port}/mcp`));
      yes.close();
      expect(processesWith(marker).length).toBeGreaterThan(0); // the gateway it started runs on
      const stopped = await runCliAsync(['stop', '--port', String(port)], isolatedEnv(dir, env));
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(await untilNoneWith(marker)).toEqual([]);
    } finally {
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
    }
  }, SLOW_TEST_MS);

  it('sends ONLY1MCP_TOKEN to a gateway that authenticates: an admin sees it, anyone else sees why not', async () => {
    const admin = generateApiKey();
    const reader = generateApiKey();
    const guarded = await startGateway(
      `servers:\n${fixtureServer('toolbox', 'toolbox-server.js')}auth:\n  apiKeys:\n    - { principal: ops, hash: "${hashApiKey(admin)}", roles: [admin] }\n    - { principal: bot, hash: "${hashApiKey(reader)}", roles: [reader] }\n  roles:\n    admin: { servers: ["*"], admin: true }\n    reader: { servers: ["*"] }\n`,
    );
    try {
      const env = { XDG_STATE_HOME: path.dirname(guarded.configFile), ONLY1MCP_ROOT: ROOT };
      const ops = open(['--port', String(guarded.port)], { ...env, ONLY1MCP_TOKEN: admin });
      await ops.waitFor((s) => /^Servers {6}1 \(1 ready\)$/m.test(s) && /^● connected · updated \S+$/m.test(s));
      ops.press('q');
      expect(await ops.exitStatus()).toBe(0);

      const bot = open(['--port', String(guarded.port)], { ...env, ONLY1MCP_TOKEN: reader });
      const screen = await bot.waitFor(/^● connected · updated \S+ · servers: GET servers: HTTP 403: /m);
      expect(screen).toMatch(/^no metrics from the gateway yet \(see the status line\)$/m);
      bot.press('q');
      expect(await bot.exitStatus()).toBe(0);
    } finally {
      await guarded.stop();
    }
  }, SLOW_TEST_MS);
});
