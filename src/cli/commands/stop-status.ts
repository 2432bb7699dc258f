/** `only1mcp stop` and `only1mcp status`, found through the PID file of a port. */
import { credentialHeaders } from '../credentials.js';
import { parseArgs, intFlag, UsageError } from '../args.js';
import { isAlive, readPidFile } from '../pid-file.js';
import { addressOf, CLI_REQUEST_TIMEOUT_MS } from '../gateway-url.js';
import { failureDetails, type CatalogView } from '../server-report.js';
import { findPortHolder } from '../../primary/port-holder.js';
import { describeHolder } from '../../primary/port-check.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../config/defaults.js';

/** How long `stop` waits for a drained gateway to exit. */
const STOP_WAIT_MS = 30_000;

export async function stop(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { port: true });
  if (parsed.positionals.length > 0) throw new UsageError('stop takes no arguments');
  const port = intFlag(parsed, 'port', 1, 65535);
  const info = readPidFile(port);
  if (!info) {
    process.stderr.write(`no only1mcp gateway is running on port ${port ?? DEFAULT_PORT} (no PID file)${await whoElse(port ?? DEFAULT_PORT)}\n`);
    return 1;
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (isAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(info.pid)) {
    process.stderr.write(`only1mcp (pid ${info.pid}) is still draining after ${STOP_WAIT_MS / 1000} s\n`);
    return 1;
  }
  process.stdout.write(`only1mcp stopped (pid ${info.pid}, port ${info.port})\n`);
  return 0;
}

/**
 * Without a PID file something may still hold the port: a gateway started
 * with another state directory (XDG_STATE_HOME), or another program.
 */
async function whoElse(port: number): Promise<string> {
  const holder = await findPortHolder(DEFAULT_HOST, port);
  if (holder === undefined) return '';
  if (holder.kind === 'only1mcp') {
    const pid = holder.primaryPid ?? holder.workerPid;
    return `; but the port is held ${describeHolder(holder)}, started with another state directory: stop it with: kill ${pid}`;
  }
  return `; the port is held ${describeHolder(holder)}, which is not an only1mcp gateway`;
}

interface StatusReport {
  status: string;
  pid: number;
  url: string;
  config: string | null;
  servers: CatalogView['servers'] | undefined;
  system: SystemView | undefined;
}

/** GET /api/v1/admin/system (docs/admin-api.md), the fields status shows. */
interface SystemView {
  version: string;
  uptimeSeconds: number;
  workers: Array<{ index: number; pid: number }>;
  store: { kind: string; state: string };
  config: { path: string | null; generation: number };
  disabled?: string[];
}

export async function status(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { port: true, json: false });
  if (parsed.positionals.length > 0) throw new UsageError('status takes no arguments');
  const port = intFlag(parsed, 'port', 1, 65535);
  const info = readPidFile(port);
  if (!info) {
    if (parsed.flags.json) process.stdout.write(`${JSON.stringify({ status: 'not running', port: port ?? DEFAULT_PORT })}\n`);
    else process.stdout.write(`not running (port ${port ?? DEFAULT_PORT}, no PID file)${await whoElse(port ?? DEFAULT_PORT)}\n`);
    return 3;
  }
  const { base, endpoint } = addressOf(info.host, info.port);
  let word: string;
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(CLI_REQUEST_TIMEOUT_MS) });
    const body = (await res.json().catch(() => ({}))) as { status?: unknown };
    word = typeof body.status === 'string' ? body.status : res.status === 200 ? 'up' : 'starting';
  } catch (err) {
    process.stdout.write(`only1mcp (pid ${info.pid}) does not answer on port ${info.port}: ${(err as Error).message}\n`);
    return 1;
  }
  // Server details from the loopback admin view (not /health), and the node's facts from the admin API, as a script would read them.
  const [view, system] = await Promise.all([adminJson<CatalogView>(`${base}/admin/catalog`), adminJson<SystemView>(`${base}/api/v1/admin/system`)]);
  const report: StatusReport = { status: word, pid: info.pid, url: endpoint, config: info.config, servers: view?.servers, system };
  if (parsed.flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`only1mcp ${word} (pid ${info.pid}) on ${endpoint}\nconfig: ${info.config ?? '(built-in default)'}${system ? ` (generation ${system.config.generation})` : ''}\n`);
  if (system) {
    const workers = system.workers.map((w) => w.pid).join(', ');
    process.stdout.write(`version ${system.version}, up ${formatUptime(system.uptimeSeconds)}, ${system.workers.length} worker${system.workers.length === 1 ? '' : 's'} (pid ${workers}), store ${system.store.kind} (${system.store.state})\n`);
    if (system.disabled && system.disabled.length > 0) process.stdout.write(`disabled by an operator: ${system.disabled.join(', ')}\n`);
  }
  if (!view) process.stdout.write('  (server details unavailable: the admin view did not answer)\n');
  for (const s of view?.servers ?? []) {
    process.stdout.write(`  ${s.name.padEnd(24)} ${s.state}${s.era ? ` (${s.era})` : ''}\n`);
    if (s.state !== 'ready') process.stdout.write(failureDetails(s, '    '));
  }
  return 0;
}

/** 3725 → "1h 2m"; under a minute in seconds. */
export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m`;
}

/** An admin view's JSON, or undefined when the gateway refuses, fails or does not answer in time. */
async function adminJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { headers: credentialHeaders(), signal: AbortSignal.timeout(CLI_REQUEST_TIMEOUT_MS) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}
