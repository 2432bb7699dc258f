/**
 * Structured logs (pino, JSON lines on stderr). stdout stays free because the
 * stdio bridge speaks MCP on it. Each process tags its lines with its role
 * and pid so a cluster's interleaved output can be told apart.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

export function initLogger(level: string, role: string): Logger {
  root = pino(
    {
      level,
      base: { role, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 2, sync: false, minLength: 0 }),
  );
  return root;
}

export function log(): Logger {
  if (!root) root = initLogger(process.env.ONLY1MCP_LOG_LEVEL ?? 'info', 'cli');
  return root;
}

/** A logger that writes nothing: for code the CLI runs briefly whose log lines would only be noise. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Flushes buffered lines; call before process.exit. */
export function flushLog(): void {
  try {
    root?.flush();
  } catch {
    // The destination may already be closed during shutdown.
  }
}
