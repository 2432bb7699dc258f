// Starts the built gateway exactly as a user would (`only1mcp start
// --foreground`), pinned, on a free port, with a config written for the
// scenario; ready when GET /health answers 200. Knows which of its
// descendants is the primary, a worker, the embedded redis-server or a stdio
// backend, so every cell can report each one's RSS and CPU.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { descendants, freePort, startPinned, waitForHttp } from './proc.mjs';
import { ROOT } from './paths.mjs';

export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** A stdio server entry running a bench fixture. */
export function stdioFixture(name, tools = 5) {
  return { command: process.execPath, args: [path.join(ROOT, 'bench', 'fixtures', 'stdio-server.mjs'), '--tools', String(tools), '--name', name] };
}

/**
 * servers: the config's `servers` object. workers: count. redis: 'memory'
 * (in-process state; one worker only) or 'embedded' (the default private
 * redis-server child). cpus: taskset list for the primary (workers, redis
 * and stdio children inherit it; scenarios re-pin backends). nodeArgs:
 * extra node flags (e.g. --cpu-prof), inherited by the workers.
 */
export async function startGateway({ servers, workers = 1, redis = 'memory', cpus, nodeArgs = [], logLevel = 'info' }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'only1mcp-bench-'));
  const configFile = path.join(dir, 'config.json');
  // The fixtures speak 2025: the throughput cells measure one backend session for every client
  // (isolation shared), as all earlier runs did; scenarios/isolation.mjs measures the per-client default.
  const shared = Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, { isolation: 'shared', ...s }]));
  fs.writeFileSync(configFile, JSON.stringify({ logLevel, servers: shared }, null, 2));
  const port = await freePort();
  // BENCH_GATEWAY_NODE_ARGS: node flags for the gateway alone (workers inherit them), for A/B runs.
  const envArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...envArgs, ...nodeArgs, CLI, 'start', '--foreground', '--config', configFile, '--port', String(port), '--workers', String(workers)];
  if (redis === 'memory') args.push('--redis', 'memory');
  const proc = startPinned(process.execPath, args, { cpus, cwd: dir, env: { XDG_STATE_HOME: dir, XDG_CONFIG_HOME: dir, ONLY1MCP_CONFIG: '' } });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health`, { proc });
  return {
    port,
    base,
    url: `${base}/mcp`,
    dir,
    proc,
    /** The gateway's processes by role: primary, worker-1.., redis, and backend children. */
    processes() {
      const out = [{ role: 'primary', pid: proc.pid }];
      let w = 0;
      for (const d of descendants(proc.pid)) {
        if (d.cmdline.includes(path.join('worker', 'main.js'))) out.push({ role: `worker-${++w}`, pid: d.pid });
        else if (d.cmdline.startsWith('redis-server')) out.push({ role: 'redis', pid: d.pid });
        else out.push({ role: 'backend', pid: d.pid, cmdline: d.cmdline });
      }
      return out;
    },
    async stop() {
      await proc.stop(20_000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
