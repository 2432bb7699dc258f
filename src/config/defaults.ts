/**
 * Named defaults, each with its unit in the name. Everything bounded in the
 * gateway (bodies, buffers, queues, timeouts) takes its bound from here or
 * from the config that overrides it.
 */
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7323;
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_NAME_SEPARATOR = '__';
/** MCP clients (and the models behind them) commonly reject tool names longer than this. */
export const MAX_TOOL_NAME_CHARS = 64;

/** Largest line a stdio backend may write before the gateway drops it. */
export const MAX_STDIO_LINE_BYTES = 16 * 1024 * 1024;
/** Restart backoff for crashed stdio backends: doubles from MIN to MAX. */
export const STDIO_RESTART_MIN_MS = 250;
export const STDIO_RESTART_MAX_MS = 30_000;
/** After stdin EOF, how long a child gets before SIGTERM, then before SIGKILL. */
export const STDIO_EXIT_GRACE_MS = 2_000;
export const STDIO_KILL_GRACE_MS = 3_000;
/**
 * The last stderr lines of each stdio backend, kept to explain a failure
 * (they travel in the backend's status to the admin view, `start`, `list` and
 * `status`): at most this many lines and this many bytes, oldest dropped first.
 */
export const STDERR_TAIL_LINES = 20;
export const STDERR_TAIL_BYTES = 4 * 1024;

/** How long a client has to answer a sampling/elicitation/roots request. */
export const DEFAULT_CLIENT_ANSWER_TIMEOUT_MS = 300_000;
/** Idle 2025-era sessions are dropped after this long without traffic. */
export const SESSION_IDLE_TIMEOUT_MS = 30 * 60_000;
/** Events kept per session for Last-Event-ID replay. */
export const SESSION_EVENT_LOG_MAX_EVENTS = 1_000;
/** SSE keep-alive comment period on long-lived streams. */
export const SSE_KEEPALIVE_MS = 15_000;
/** Bytes a slow SSE client may leave unread before the gateway drops the stream. */
export const SSE_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Lifetime of a requestState the gateway mints for an input_required round trip. */
export const INPUT_STATE_TTL_MS = 10 * 60_000;

/** Every Redis key and channel of the gateway starts with this. */
export const REDIS_KEY_PREFIX = 'o1m:';

export function defaultConfigDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return path.join(xdg && xdg.length > 0 ? xdg : path.join(os.homedir(), '.config'), 'only1mcp');
}

export function defaultConfigPath(): string {
  return path.join(defaultConfigDir(), 'config.yaml');
}

export function defaultStateDir(): string {
  const xdg = process.env.XDG_STATE_HOME;
  return path.join(xdg && xdg.length > 0 ? xdg : path.join(os.homedir(), '.local', 'state'), 'only1mcp');
}
