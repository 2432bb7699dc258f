/**
 * Named defaults, each with its unit in the name. Everything bounded in the
 * gateway (bodies, buffers, queues, timeouts) takes its bound from here or
 * from the config that overrides it.
 */
import os from 'node:os';
import path from 'node:path';
import type { Isolation } from './model.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7323;
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Deepest nesting of objects and arrays accepted in any JSON that arrives
 * (client bodies, backend messages, clients' answers to backend requests).
 * Real JSON Schemas with $defs and combinators stay under ~30; the JSON-RPC
 * envelope adds 4. Encoders and code that walk a value recurse, so a value
 * much deeper than this would overflow their stack (`limits.maxJsonDepth`).
 */
export const MAX_JSON_DEPTH = 128;
/** The largest limits.maxJsonDepth may be: past ~2,000 the recursive encoders themselves overflow. */
export const MAX_JSON_DEPTH_LIMIT = 1_000;
/**
 * Largest frame on the worker <-> primary channel. Bigger than any message
 * the other caps let through (a 16 MB stdio line, a request body), so only
 * a bug reaches it; the sender refuses such a frame and fails that one call,
 * the receiver drops a peer that sends one.
 */
export const IPC_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** An internal fault's stack trace is logged once per distinct fault per this long; repeats are counted. */
export const INTERNAL_ERROR_LOG_INTERVAL_MS = 60_000;
/** Distinct internal faults remembered for that count; past it, the oldest is forgotten. */
export const INTERNAL_ERROR_KINDS_MAX = 256;
/** Node's timers overflow past this and fire at once: the largest timeout any setting may take. */
export const MAX_TIMEOUT_MS = 2_147_483_647;
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_NAME_SEPARATOR = '__';
/** Who shares a 2025-era backend session unless the server says otherwise: each client session its own. */
export const DEFAULT_ISOLATION: Isolation = 'session';
/** stdio: per-session children one server may run on one node before new sessions are refused. */
export const DEFAULT_MAX_PROCESSES = 32;
/**
 * A per-session backend session (a stdio child, an HTTP Mcp-Session-Id) idle
 * this long is closed. Below SESSION_IDLE_TIMEOUT_MS, so a child never
 * outlives the client session that expired without a DELETE by more than this.
 */
export const DEFAULT_UPSTREAM_IDLE_MS = 10 * 60_000;
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
/**
 * Back-pressure (docs/security.md, "Buffers and back-pressure"). Bytes the
 * primary may queue on one worker's frame channel: past it, the stdio
 * backend whose message pushed it there stops being read (its stdout pipe
 * pauses, so the backend's own writes block) until the channel drains.
 */
export const IPC_CHANNEL_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/**
 * Bytes one client stream (a POST's SSE answer) may hold unsent or not yet
 * in its event log before progress and log notifications for it are dropped
 * and counted (only1mcp_dropped_notifications_total). Responses are never
 * dropped: each is bounded by the size limits of its backend transport.
 */
export const STREAM_NOTIFY_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Lifetime of a requestState the gateway mints for an input_required round trip. */
export const INPUT_STATE_TTL_MS = 10 * 60_000;

/**
 * Worker watchdog (docs/security.md, "Supervision"): the primary sends each
 * listening worker a heartbeat this often over the cluster channel, and a
 * worker whose event loop has not answered one for the stall timeout is
 * killed (SIGKILL) and replaced; its sessions live in the shared store and
 * carry on at the other workers. 5 s is past any GC pause a worker's small
 * heap takes, and well short of a client's patience.
 */
export const WORKER_HEARTBEAT_MS = 1_000;
export const WORKER_STALL_TIMEOUT_MS = 5_000;
/**
 * A worker just forked has this long to answer its first heartbeat (module
 * loading and connecting to the store come first); a worker that never gets
 * there is replaced like a stalled one.
 */
export const WORKER_START_GRACE_MS = 30_000;
export const MIN_WORKER_HEARTBEAT_MS = 100;
export const MAX_WORKER_STALL_TIMEOUT_MS = 600_000;

/** Routing (replicas, health checks, retries, long calls; docs/routing.md). */
/** A call whose backend keeps reporting progress may run this long in all (unless the server sets maxCallMs). */
export const DEFAULT_MAX_CALL_MS = 10 * 60_000;
/** Copies of one stdio command a server may run (`replicas: N`): each is a child process. */
export const MAX_STDIO_REPLICAS = 32;
/** Entries in one server's `replicas:` list. */
export const MAX_HTTP_REPLICAS = 64;
/** Weights are shares relative to each other; past this ratio a share is a typo. */
export const MAX_REPLICA_WEIGHT = 1_000;
export const DEFAULT_HEALTH_INTERVAL_MS = 10_000;
/** Probing faster than this is load, not health checking. */
export const MIN_HEALTH_INTERVAL_MS = 100;
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
export const DEFAULT_HEALTHY_THRESHOLD = 2;
export const DEFAULT_UNHEALTHY_THRESHOLD = 3;
export const MAX_HEALTH_THRESHOLD = 100;
/** Attempts per call, the first included: one retry, on another replica. */
export const DEFAULT_RETRY_ATTEMPTS = 2;
export const MAX_RETRY_ATTEMPTS = 10;
/** Retries may add at most this share of extra attempts (over the retry budget's window). */
export const DEFAULT_RETRY_BUDGET_PERCENT = 20;

/**
 * Connections, sessions and rates at the edge (`limits:`; docs/security.md
 * "Connections, sessions and rates"). Generous for a team behind one NAT;
 * they stop one address from exhausting a node, not ordinary use.
 */
/** 2025-era sessions one client address may hold on one node (split evenly over its workers). */
export const DEFAULT_MAX_SESSIONS_PER_ADDRESS = 1_000;
/** 2025-era sessions one node holds in all (split evenly over its workers); ~1.2 KB each in a worker. */
export const DEFAULT_MAX_SESSIONS_TOTAL = 100_000;
/** Sessions one client address may open per second, across every worker and node (a shared token bucket)... */
export const DEFAULT_SESSION_CREATES_PER_SECOND = 50;
/** ...and at once after a quiet spell (the bucket's capacity). */
export const DEFAULT_SESSION_CREATE_BURST = 100;
/** Requests and streams one client address may have open at once on one node (split evenly over its workers). */
export const DEFAULT_MAX_CONCURRENT_REQUESTS_PER_ADDRESS = 256;
/**
 * uWebSockets.js closes a connection whose request head or body is not
 * complete this long after it started, however slowly it trickles in, and a
 * keep-alive connection idle this long (HTTP_IDLE_TIMEOUT_S, compiled into
 * the native build: not configurable; measured here as 10-14 s, its timer
 * granularity is 4 s). This is the header and body read timeout.
 */
export const UWS_HTTP_IDLE_TIMEOUT_S = 10;
/** Client addresses whose session-creation bucket a worker keeps locally while the store is unreachable. */
export const MAX_LOCAL_SESSION_BUCKETS = 10_000;

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
