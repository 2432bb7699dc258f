/**
 * `only1mcp tui`: a live view of a running gateway in the terminal, read from
 * its admin API (src/tui/). Finds the gateway as the other commands do
 * (--url, else the PID file of --port); when nothing answers there, offers to
 * start one with the code of `only1mcp start`.
 */
import { parseArgs, intFlag, stringFlag, UsageError } from '../args.js';
import { credentialHeaders } from '../credentials.js';
import { addressFromUrl, addressOf, startHint, type GatewayAddress } from '../gateway-url.js';
import { readPidFile } from '../pid-file.js';
import { start } from './start.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../config/defaults.js';
import { TUI_MAX_POLL_INTERVAL_MS, TUI_MIN_POLL_INTERVAL_MS, TUI_POLL_INTERVAL_MS, TUI_REQUEST_TIMEOUT_MS } from '../../tui/defaults.js';
import { HttpAdminApi } from '../../tui/http-admin-api.js';

const FLAGS = { port: true, url: true, interval: true, config: true };

export const NOT_A_TTY = 'only1mcp tui needs an interactive terminal; use `only1mcp status` or the admin API for scripts\n';

export async function tui(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, FLAGS);
  if (parsed.positionals.length > 0) throw new UsageError(`tui takes no arguments, got ${parsed.positionals.join(' ')}`);
  const url = stringFlag(parsed, 'url');
  const port = intFlag(parsed, 'port', 1, 65535);
  if (url !== undefined && port !== undefined) throw new UsageError('pass --url or --port, not both');
  const intervalMs = intFlag(parsed, 'interval', TUI_MIN_POLL_INTERVAL_MS, TUI_MAX_POLL_INTERVAL_MS) ?? TUI_POLL_INTERVAL_MS;
  const config = stringFlag(parsed, 'config');
  // Exit code 2 like a usage error: the command cannot run this way at all.
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    process.stderr.write(NOT_A_TTY);
    return 2;
  }

  let address = where(url, port);
  if (!(await answers(address.base))) {
    const startPort = url === undefined ? (port ?? DEFAULT_PORT) : loopbackPort(url);
    if (startPort === undefined) {
      process.stderr.write(`No gateway answers at ${address.base}.\n`);
      return 1;
    }
    if (!(await ask(`No gateway answers at ${address.base}. Start one now? [y/N] `))) {
      process.stderr.write(`${startHint(startPort)}, then run the TUI again\n`);
      return 1;
    }
    const code = await start(['--port', String(startPort), ...(config === undefined ? [] : ['--config', config])]);
    if (code !== 0) return code;
    address = url === undefined ? where(undefined, startPort) : address;
  }

  // ink decides at import whether it runs in CI (CI=true and the like) and then
  // draws only its last frame; a TTY on both ends is a person at a terminal.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const { runTui } = await import('../../tui/run.js');
  await runTui(new HttpAdminApi(address.base, credentialHeaders()), intervalMs);
  return 0;
}

/** --url, else the PID file of the port, else where a gateway on that port would be. */
function where(url: string | undefined, port: number | undefined): GatewayAddress {
  if (url !== undefined) return addressFromUrl(url);
  const info = readPidFile(port);
  return info ? addressOf(info.host, info.port) : addressOf(DEFAULT_HOST, port ?? DEFAULT_PORT);
}

/** Anything that answers HTTP at /health (200 ready, 503 starting) is a gateway to watch. */
async function answers(base: string): Promise<boolean> {
  try {
    const res = await fetch(`${base}/health`, { headers: credentialHeaders(), signal: AbortSignal.timeout(TUI_REQUEST_TIMEOUT_MS) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** The port of a --url on this machine, where `start` can put a gateway; undefined elsewhere. */
function loopbackPort(url: string): number | undefined {
  const u = new URL(url);
  if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return undefined;
  return Number(u.port || 80);
}

/**
 * One line from the terminal, in its ordinary (cooked) mode, where the
 * terminal itself echoes and edits what is typed; node:readline is not used
 * because it erases the question when it closes.
 */
async function ask(question: string): Promise<boolean> {
  process.stdout.write(question);
  const stdin = process.stdin;
  const answer = await new Promise<string>((resolve) => {
    const done = (text: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(text);
    };
    const onData = (chunk: Buffer) => done(chunk.toString('utf8'));
    const onEnd = () => done('');
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  });
  return /^y(es)?$/i.test(answer.trim());
}
