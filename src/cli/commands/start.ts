/**
 * `only1mcp start`: in the foreground this process becomes the primary;
 * otherwise it launches a detached primary, waits until `/health` answers
 * 200, and reports where it listens, which servers failed to start (with
 * their last stderr lines) and where its log goes.
 *
 * A background start that fails leaves nothing running: a taken port is
 * refused before anything is launched, and a gateway that exits or is not
 * ready in time is ended with everything it started (process-tree.ts).
 */
import { credentialHeaders } from '../credentials.js';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { exposureProblem } from '../../auth/exposure.js';
import { parseArgs, intFlag, stringFlag, UsageError } from '../args.js';
import { chooseConfig } from '../config-source.js';
import { storeSettingProblem } from '../../state/store-setting.js';
import { checkRedisFiles } from '../../state/redis/check-files.js';
import { logFilePath, pidFilePath, readPidFile } from '../pid-file.js';
import { runPrimary } from '../../primary/primary.js';
import { assertPortFree, PortInUseError } from '../../primary/port-check.js';
import { initLogger, isLogFormat, LOG_FORMAT_ENV } from '../../observe/log.js';
import { watchConfig } from '../../config/watch.js';
import { DEFAULT_PORT } from '../../config/defaults.js';
import { MAIN_SCRIPT, selfCommand } from '../self-command.js';
import { addressOf, CLI_REQUEST_TIMEOUT_MS } from '../gateway-url.js';
import { killTree } from '../process-tree.js';
import { explainLog, logSize } from '../log-tail.js';
import { failedServers, failureDetails, serverHeading, type CatalogView } from '../server-report.js';
import type { GatewayConfig } from '../../config/model.js';

const FLAGS = { foreground: false, config: true, port: true, host: true, workers: true, 'log-level': true, redis: true, wait: true, 'allow-unauthenticated': false, 'log-format': true };
/**
 * How long `start` waits for a background gateway to become ready before it
 * ends it, at least. Ready means every server had its first chance to start,
 * which a server's connectTimeoutMs bounds (twice for a URL-only server: a
 * transport probe, then the handshake), so a config with longer timeouts
 * waits longer; `--wait S` sets it outright.
 */
export const START_READY_TIMEOUT_MS = 60_000;
/** Added to twice the longest connectTimeoutMs: spawning, stopping a child that missed it. */
const START_READY_MARGIN_MS = 10_000;
/** Between readiness checks of a starting background gateway. */
const START_POLL_MS = 200;

export async function start(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, FLAGS);
  if (parsed.positionals.length > 0) throw new UsageError(`start takes no arguments, got ${parsed.positionals.join(' ')}`);
  const logLevel = stringFlag(parsed, 'log-level');
  if (logLevel !== undefined && !['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(logLevel)) {
    throw new UsageError('--log-level must be one of trace, debug, info, warn, error, fatal');
  }
  const logFormat = stringFlag(parsed, 'log-format');
  if (logFormat !== undefined && !isLogFormat(logFormat)) throw new UsageError('--log-format must be pretty or json');
  const formatEnv = process.env[LOG_FORMAT_ENV];
  if (logFormat === undefined && formatEnv && !isLogFormat(formatEnv.trim().toLowerCase())) throw new UsageError(`${LOG_FORMAT_ENV} must be pretty or json, got "${formatEnv}"`);
  const overrides = {
    host: stringFlag(parsed, 'host'),
    port: intFlag(parsed, 'port', 0, 65535),
    workers: intFlag(parsed, 'workers', 1, 1024),
    logLevel: logLevel as GatewayConfig['logLevel'] | undefined,
    redisUrl: stringFlag(parsed, 'redis'),
  };
  const flagProblem = overrides.redisUrl === undefined ? undefined : storeSettingProblem(overrides.redisUrl);
  if (flagProblem !== undefined) throw new UsageError(`--redis: ${flagProblem}`);
  const fromEnv = process.env.REDIS_URL;
  const envProblem = fromEnv ? storeSettingProblem(fromEnv) : undefined;
  if (envProblem !== undefined) throw new UsageError(`REDIS_URL: ${envProblem}`);
  const choice = chooseConfig(stringFlag(parsed, 'config'), overrides);
  const waitS = intFlag(parsed, 'wait', 1, 3600);
  if (waitS !== undefined && parsed.flags.foreground) throw new UsageError('--wait applies to a background start, not --foreground');

  // The safe default: reachable beyond loopback means authenticating, unless the operator says otherwise.
  const allowUnauthenticated = parsed.flags['allow-unauthenticated'] === true;
  const exposed = (c: GatewayConfig): GatewayConfig => {
    const problem = exposureProblem(c.listen.host, c.auth, allowUnauthenticated);
    if (problem !== undefined) throw new ExposureError(problem);
    return c;
  };

  if (parsed.flags.foreground) {
    const warnings: string[] = [];
    const config = exposed(await choice.load((w) => warnings.push(w)));
    // TLS files named in the setting must be readable now, not in every worker that then crashes.
    checkRedisFiles(config.redisUrl);
    const logger = initLogger(config.logLevel, 'primary', logFormat);
    if (choice.note) logger.warn(choice.note);
    else logger.info({ config: choice.file }, `configuration: ${choice.file}`);
    for (const w of warnings) logger.warn(w);
    try {
      await runPrimary({
        config,
        reload: async () => exposed(await choice.load((w) => logger.warn(w), true)),
        watch: choice.file ? (onChange) => watchConfig(choice.file!, () => onChange(), (err) => logger.error({ err: err.format() }, 'configuration file has errors')) : undefined,
        pidFile: (port) => pidFilePath(port),
        logger,
      });
    } catch (err) {
      if (err instanceof PortInUseError) {
        process.stderr.write(portInUseMessage(err));
        return 1;
      }
      throw err;
    }
    return -1; // keep running
  }
  const config = exposed(await choice.load((w) => process.stderr.write(`warning: ${w}\n`)));
  checkRedisFiles(config.redisUrl);
  return startBackground(withoutFlag(argv, 'wait'), config, choice.note, waitS === undefined ? readyTimeoutMs(config) : waitS * 1000);
}

/** Listening beyond loopback without authentication, refused (exit 1 with the reason and what to do). */
export class ExposureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExposureError';
  }
}

/** argv minus one flag that takes a value (`--name V` or `--name=V`): the foreground child gets the rest. */
function withoutFlag(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) i++;
    else if (!argv[i]!.startsWith(`--${name}=`)) out.push(argv[i]!);
  }
  return out;
}

function readyTimeoutMs(config: GatewayConfig): number {
  const longest = Math.max(0, ...config.servers.filter((s) => s.common.enabled).map((s) => s.common.connectTimeoutMs));
  return Math.max(START_READY_TIMEOUT_MS, 2 * longest + START_READY_MARGIN_MS);
}

/** The port flag a command needs to reach this gateway ('' for the default port). */
function portFlag(port: number): string {
  return port === DEFAULT_PORT ? '' : ` --port ${port}`;
}

/** A taken port, who holds it, and what to run about it. */
export function portInUseMessage(err: PortInUseError): string {
  const holder = err.holder;
  let hint = 'stop that program, or start on another port with --port N';
  if (holder?.kind === 'only1mcp') {
    const pid = holder.primaryPid ?? holder.workerPid;
    const ours = readPidFile(err.port)?.pid === pid;
    hint = `stop it with: ${ours ? `${selfCommand()} stop${portFlag(err.port)}` : `kill ${pid}`}, or start this one on another port with --port N`;
  } else if (holder === undefined) {
    hint = 'free the port, or start on another port with --port N';
  }
  return `only1mcp: ${err.message}\n${hint}\n`;
}

async function startBackground(argv: readonly string[], config: GatewayConfig, note: string | undefined, timeoutMs: number): Promise<number> {
  const port = config.listen.port;
  if (port === 0) throw new UsageError('a background gateway needs a fixed port (--port N); use --foreground for port 0');
  const running = readPidFile(port);
  if (running) {
    process.stderr.write(`only1mcp is already running on port ${port} (pid ${running.pid}); stop it with: ${selfCommand()} stop${portFlag(port)}\n`);
    return 1;
  }
  try {
    await assertPortFree(config.listen.host, port);
  } catch (err) {
    if (err instanceof PortInUseError) {
      process.stderr.write(portInUseMessage(err));
      return 1;
    }
    throw err;
  }
  const logFile = logFilePath(port);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logStart = logSize(logFile);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [MAIN_SCRIPT, 'start', '--foreground', ...argv], { detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  const { base, endpoint } = addressOf(config.listen.host, port);
  let exited = false;
  child.once('exit', () => (exited = true));
  const ready = await waitReady(`${base}/health`, () => exited, timeoutMs);
  if (!ready) {
    const exitedByItself = exited;
    if (!exitedByItself && child.pid !== undefined) await killTree(child.pid);
    const why = explainLog(logFile, logStart);
    process.stderr.write(
      `only1mcp did not start: ${exitedByItself ? 'it exited' : `not ready within ${timeoutMs / 1000} s, so it was stopped (a slow server? --wait S waits longer)`}` +
        `${why.length > 0 ? `:\n${why.map((l) => `  ${l}`).join('\n')}` : ''}\nlog: ${logFile}\n`,
    );
    return 1;
  }
  if (note) process.stdout.write(`${note}\n`);
  process.stdout.write(`only1mcp started (pid ${child.pid}) on ${endpoint}\nlog: ${logFile}\nstop it with: ${selfCommand()} stop${portFlag(port)}\n`);
  await reportFailedServers(base, port);
  return 0;
}

/** Polls /health until 200 (ready), the process exits, or the timeout passes. */
async function waitReady(url: string, exited: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited()) {
    try {
      const res = await fetch(url, { headers: credentialHeaders(), signal: AbortSignal.timeout(Math.max(1, Math.min(CLI_REQUEST_TIMEOUT_MS, deadline - Date.now()))) });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, START_POLL_MS));
  }
  return false;
}

/**
 * Ready means every server had its first chance to start, so the ones not
 * ready now failed it: name them on stderr with why, where the user looks,
 * rather than only in the JSON log.
 */
async function reportFailedServers(base: string, port: number): Promise<void> {
  let view: CatalogView;
  try {
    const res = await fetch(`${base}/admin/catalog`, { headers: credentialHeaders(), signal: AbortSignal.timeout(CLI_REQUEST_TIMEOUT_MS) });
    if (!res.ok) return;
    view = (await res.json()) as CatalogView;
  } catch {
    return;
  }
  const failed = failedServers(view);
  if (failed.length === 0) return;
  let text = `warning: ${failed.length} of ${view.servers.length} servers did not start:\n`;
  for (const s of failed) text += `  ${serverHeading(s)}\n${failureDetails(s, '    ')}`;
  text += `The gateway serves the others and keeps restarting these; see: ${selfCommand()} status${portFlag(port)}\n`;
  process.stderr.write(text);
}
