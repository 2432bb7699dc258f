/**
 * Logs on stderr (stdout stays free: the stdio bridge speaks MCP on it).
 * Each process tags its lines with its role and pid so a cluster's
 * interleaved output can be told apart.
 *
 * Two formats: JSON lines (pino, asynchronous writes) for machines, and
 * coloured lines for people (pretty-line.ts), chosen by `--log-format`,
 * else ONLY1MCP_LOG_FORMAT, else pretty when stderr is a terminal. The
 * primary hands its choice to the workers it forks (their stderr is its
 * own), so one terminal never mixes the two.
 *
 * Pretty lines are formatted here, in the process, from pino's JSON line:
 * pino-pretty's default transport starts a worker thread in every process
 * (the primary and each worker: a V8 isolate and its heap apiece, and
 * lines that arrive after the process's own on exit), and brings a dozen
 * packages for what is a hundred lines of formatting; its synchronous mode
 * formats on the main thread just the same. A terminal's volume of lines
 * makes the extra JSON.parse per line irrelevant; JSON output pays nothing.
 *
 * Repeated warnings and errors are collapsed with a count (log-collapse.ts),
 * in both formats.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';
import { LogCollapser } from './log-collapse.js';
import { prettyLine } from './pretty-line.js';

export type { Logger };
export type LogFormat = 'pretty' | 'json';

/** Environment variable that forces a format (the `start --log-format` flag wins over it). */
export const LOG_FORMAT_ENV = 'ONLY1MCP_LOG_FORMAT';
export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

let root: Logger | undefined;
let collapser: LogCollapser | undefined;
let format: LogFormat = 'json';

export function isLogFormat(value: unknown): value is LogFormat {
  return value === 'pretty' || value === 'json';
}

/**
 * The format: the one asked for, else a valid ONLY1MCP_LOG_FORMAT, else
 * pretty on a terminal and JSON otherwise. (An invalid variable is refused
 * by `start`; elsewhere it counts as unset.)
 */
export function resolveLogFormat(asked: LogFormat | undefined, env: NodeJS.ProcessEnv = process.env, stderrIsTty = process.stderr.isTTY === true): LogFormat {
  if (asked) return asked;
  const fromEnv = env[LOG_FORMAT_ENV]?.trim().toLowerCase();
  if (isLogFormat(fromEnv)) return fromEnv;
  return stderrIsTty ? 'pretty' : 'json';
}

/** Colours only on a terminal, unless NO_COLOR says never or FORCE_COLOR says always. */
export function useColours(env: NodeJS.ProcessEnv = process.env, stderrIsTty = process.stderr.isTTY === true): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stderrIsTty;
}

export function initLogger(level: string, role: string, asked?: LogFormat): Logger {
  collapser?.flush();
  format = resolveLogFormat(asked);
  const collapse = (collapser = new LogCollapser());
  const options: LoggerOptions = {
    level,
    base: { role, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method, levelValue) {
        collapse.log(levelValue, args, (out) => {
          if (tap) tap(pino.levels.labels[levelValue] ?? String(levelValue), messageOf(out), Date.now(), fieldsOf(out[0]));
          method.apply(this, out as Parameters<typeof method>);
        });
      },
    },
  };
  const destination = pino.destination({ dest: 2, sync: false, minLength: 0 });
  root = format === 'pretty' ? pino(options, prettyStream(destination, useColours())) : pino(options, destination);
  return root;
}

type LogTap = (level: string, msg: string, time: number, fields: Record<string, string | number | boolean> | undefined) => void;
let tap: LogTap | undefined;

/** Sees every line this process logs (level and message only), for the admin API's recent-log ring. */
export function tapLog(listener: LogTap | undefined): void {
  tap = listener;
}

/** pino's arguments: (message), (fields, message, ...) or (fields); an error's text stands in when no message is given. */
function messageOf(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'string') return first;
  if (typeof second === 'string') return second;
  const err = (first as { err?: unknown } | undefined)?.err;
  return err === undefined ? '' : String(err);
}

/** Fields of a line shown beside its message in the admin API's log view. */
export const LOG_TAP_MAX_FIELDS = 8;
export const LOG_TAP_FIELD_CHARS = 200;

/** A line's own fields, plain values only, bounded (the admin API's log view; the full line is on stderr). */
function fieldsOf(first: unknown): Record<string, string | number | boolean> | undefined {
  if (first === null || typeof first !== 'object') return undefined;
  let out: Record<string, string | number | boolean> | undefined;
  let n = 0;
  for (const [key, value] of Object.entries(first)) {
    if (n >= LOG_TAP_MAX_FIELDS) break;
    if (key === 'stack') continue;
    const plain = typeof value === 'number' || typeof value === 'boolean' ? value : typeof value === 'string' ? value.slice(0, LOG_TAP_FIELD_CHARS) : undefined;
    if (plain === undefined) continue;
    (out ??= {})[key] = plain;
    n++;
  }
  return out;
}

/** The format this process logs in (the primary passes it to its workers). */
export function logFormat(): LogFormat {
  return format;
}

export function log(): Logger {
  if (!root) root = initLogger(process.env.ONLY1MCP_LOG_LEVEL ?? 'info', 'cli');
  return root;
}

/** A logger that writes nothing: for code the CLI runs briefly whose log lines would only be noise. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Prints pending repeat counts and flushes buffered lines; call before process.exit. */
export function flushLog(): void {
  try {
    collapser?.flush();
    root?.flush();
  } catch {
    // The destination may already be closed during shutdown.
  }
}

type Destination = ReturnType<typeof pino.destination>;

/** pino writes one JSON line per call; this turns it into a pretty line on the same asynchronous destination. */
function prettyStream(destination: Destination, colours: boolean) {
  return {
    write(line: string): void {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        destination.write(line);
        return;
      }
      destination.write(prettyLine(record, colours));
    },
    flush(cb?: (err?: Error) => void): void {
      destination.flush(cb);
    },
  };
}
