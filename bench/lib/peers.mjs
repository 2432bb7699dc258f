// The peers: MCP gateways/proxies installable from npm that do the same job,
// each started as its README says, on the SUT core, in front of the same
// fixtures. Every starter returns the command it ran, so the results record
// exactly how each peer was configured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { descendants, freePort, startPinned, waitForHttp } from './proc.mjs';
import { BENCH, FIXTURES, ROOT } from './paths.mjs';

const BIN = {
  'mcp-proxy': path.join(BENCH, 'node_modules', 'mcp-proxy', 'dist', 'bin', 'mcp-proxy.mjs'),
  supergateway: path.join(BENCH, 'node_modules', 'supergateway', 'dist', 'index.js'),
  'mcp-hub': path.join(BENCH, 'node_modules', 'mcp-hub', 'dist', 'cli.js'),
};
const STDIO_FIXTURE = path.join(FIXTURES, 'stdio-server.mjs');

function running(proc, base, command, dir) {
  return {
    proc,
    pid: proc.pid,
    base,
    command,
    /** The peer process and the backends it spawned. */
    processes() {
      return [{ role: 'peer', pid: proc.pid }, ...descendants(proc.pid).map((d) => ({ role: 'backend', pid: d.pid }))];
    },
    async stop() {
      await proc.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The command line as a reader can reuse it: no absolute paths, no temporary ports or files. */
function shown(argv, port) {
  return argv
    .map((a) => a.split(process.execPath).join('node').split(`${ROOT}/`).join('').replace(/^.*\/(mcp-hub\.json)$/, '<tmp>/$1').replace(String(port), '<port>'))
    .map((a) => (a.includes(' ') ? `"${a}"` : a))
    .join(' ');
}

/** mcp-proxy: `mcp-proxy --port N -- <command>`; Streamable HTTP on /mcp (and SSE on /sse). */
export async function startMcpProxy({ cpus }) {
  const port = await freePort();
  const argv = [BIN['mcp-proxy'], '--port', String(port), '--', process.execPath, STDIO_FIXTURE];
  const proc = startPinned(process.execPath, argv, { cpus });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/ping`, { proc, status: 'any' });
  return running(proc, base, `mcp-proxy ${shown(argv.slice(1), port)}`);
}

/** supergateway: `--stdio "<command>" --outputTransport streamableHttp [--stateful]`; Streamable HTTP on /mcp. */
export async function startSupergateway({ cpus, stateful }) {
  const port = await freePort();
  const argv = [BIN.supergateway, '--stdio', `${process.execPath} ${STDIO_FIXTURE}`, '--outputTransport', 'streamableHttp', '--port', String(port), '--logLevel', 'none'];
  if (stateful) argv.push('--stateful');
  const proc = startPinned(process.execPath, argv, { cpus });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/mcp`, { proc, status: 'any' });
  return running(proc, base, `supergateway ${shown(argv.slice(1), port)}`);
}

/**
 * mcp-hub: `mcp-hub --port N --config F` with an `mcpServers` file. Its MCP
 * endpoint is the legacy HTTP+SSE transport (GET /mcp, POST /messages).
 * It keeps its state under XDG dirs, pointed at a private temp directory.
 */
export async function startMcpHub({ cpus, servers }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'only1mcp-bench-hub-'));
  const config = path.join(dir, 'mcp-hub.json');
  fs.writeFileSync(config, JSON.stringify({ mcpServers: servers }, null, 2));
  const port = await freePort();
  const argv = [BIN['mcp-hub'], '--port', String(port), '--config', config];
  const env = { HOME: dir, XDG_STATE_HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, XDG_CACHE_HOME: dir };
  const proc = startPinned(process.execPath, argv, { cpus, env });
  const base = `http://127.0.0.1:${port}`;
  const want = Object.keys(servers).length;
  const deadline = Date.now() + 60_000;
  await waitForHttp(`${base}/api/health`, { proc });
  for (;;) {
    const health = await (await fetch(`${base}/api/health`)).json();
    const connected = (health.servers ?? []).filter((s) => s.status === 'connected').length;
    if (health.state === 'ready' && connected === want) break;
    if (Date.now() > deadline) throw new Error(`mcp-hub: ${connected}/${want} servers connected after 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return running(proc, base, `mcp-hub ${shown(argv.slice(1), port)}`, dir);
}

/** A stdio server entry (mcpServers form) running the bench's stdio fixture. */
export function hubStdioServer(name, tools = 5) {
  return { command: process.execPath, args: [STDIO_FIXTURE, '--tools', String(tools), '--name', name] };
}
