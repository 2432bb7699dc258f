/**
 * `only1mcp start`: in the foreground this process becomes the primary;
 * otherwise it launches a detached primary, waits until `/health` answers
 * 200, and reports where it listens and where its log goes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs, intFlag, stringFlag, UsageError } from '../args.js';
import { chooseConfig } from '../config-source.js';
import { storeSettingProblem } from '../../state/store-setting.js';
import { checkRedisFiles } from '../../state/redis/check-files.js';
import { logFilePath, pidFilePath, readPidFile } from '../pid-file.js';
import { runPrimary } from '../../primary/primary.js';
import { initLogger } from '../../observe/log.js';
import { watchConfig } from '../../config/watch.js';
import type { GatewayConfig } from '../../config/model.js';

const FLAGS = { foreground: false, config: true, port: true, host: true, workers: true, 'log-level': true, redis: true };
/** How long `start` waits for a background gateway to become ready. */
const START_READY_TIMEOUT_MS = 60_000;

export async function start(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, FLAGS);
  if (parsed.positionals.length > 0) throw new UsageError(`start takes no arguments, got ${parsed.positionals.join(' ')}`);
  const logLevel = stringFlag(parsed, 'log-level');
  if (logLevel !== undefined && !['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(logLevel)) {
    throw new UsageError('--log-level must be one of trace, debug, info, warn, error, fatal');
  }
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
  const config = await choice.load();
  // TLS files named in the setting must be readable now, not in every worker that then crashes.
  checkRedisFiles(config.redisUrl);

  if (parsed.flags.foreground) {
    const logger = initLogger(config.logLevel, 'primary');
    if (choice.note) logger.warn(choice.note);
    else logger.info({ config: choice.file }, `configuration: ${choice.file}`);
    await runPrimary({
      config,
      reload: choice.load,
      watch: choice.file ? (onChange) => watchConfig(choice.file!, () => onChange(), (err) => logger.error({ err: err.format() }, 'configuration file has errors')) : undefined,
      pidFile: (port) => pidFilePath(port),
      logger,
    });
    return -1; // keep running
  }
  return startBackground(argv, config, choice.note);
}

async function startBackground(argv: readonly string[], config: GatewayConfig, note: string | undefined): Promise<number> {
  const port = config.listen.port;
  if (port === 0) throw new UsageError('a background gateway needs a fixed port (--port N); use --foreground for port 0');
  const running = readPidFile(port);
  if (running) {
    process.stderr.write(`only1mcp is already running on port ${port} (pid ${running.pid}).\n`);
    return 1;
  }
  const logFile = logFilePath(port);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');
  const child = spawn(process.execPath, [main, 'start', '--foreground', ...argv], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const url = `http://${config.listen.host === '0.0.0.0' ? '127.0.0.1' : config.listen.host}:${port}`;
  const deadline = Date.now() + START_READY_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) {
        if (note) process.stdout.write(`${note}\n`);
        process.stdout.write(`only1mcp started (pid ${child.pid}) on ${url}/mcp\nlog: ${logFile}\nstop it with: only1mcp stop${port === 7323 ? '' : ` --port ${port}`}\n`);
        return 0;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stderr.write(`only1mcp did not become ready${exited ? ' (it exited)' : ` within ${START_READY_TIMEOUT_MS / 1000} s`}; see ${logFile}\n`);
  return 1;
}
