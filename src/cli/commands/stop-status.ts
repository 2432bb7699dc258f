/** `only1mcp stop` and `only1mcp status`, found through the PID file of a port. */
import { parseArgs, intFlag, UsageError } from '../args.js';
import { isAlive, readPidFile } from '../pid-file.js';

/** How long `stop` waits for a drained gateway to exit. */
const STOP_WAIT_MS = 30_000;

export async function stop(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { port: true });
  if (parsed.positionals.length > 0) throw new UsageError('stop takes no arguments');
  const port = intFlag(parsed, 'port', 1, 65535);
  const info = readPidFile(port);
  if (!info) {
    process.stderr.write(`no only1mcp gateway is running${port ? ` on port ${port}` : ''}\n`);
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

export async function status(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { port: true });
  if (parsed.positionals.length > 0) throw new UsageError('status takes no arguments');
  const port = intFlag(parsed, 'port', 1, 65535);
  const info = readPidFile(port);
  if (!info) {
    process.stdout.write(`not running${port ? ` (port ${port})` : ''}\n`);
    return 3;
  }
  const host = info.host === '0.0.0.0' ? '127.0.0.1' : info.host;
  try {
    const res = await fetch(`http://${host}:${info.port}/health`);
    const body = (await res.json()) as { status: string; backends: Array<{ name: string; state: string; era?: string }> };
    process.stdout.write(`only1mcp ${body.status} (pid ${info.pid}) on http://${host}:${info.port}/mcp\nconfig: ${info.config ?? '(built-in default)'}\n`);
    for (const b of body.backends) process.stdout.write(`  ${b.name.padEnd(24)} ${b.state}${b.era ? ` (${b.era})` : ''}\n`);
    return 0;
  } catch (err) {
    process.stdout.write(`only1mcp (pid ${info.pid}) does not answer on port ${info.port}: ${(err as Error).message}\n`);
    return 1;
  }
}
