/**
 * One stdio backend process: spawn, framed JSON lines in and out, and a
 * polite-then-firm stop (stdin EOF, then SIGTERM, then SIGKILL).
 *
 * The child sees only an allow-listed slice of the gateway's environment plus
 * what its config sets, so gateway secrets (Redis URLs, API keys) never leak
 * into third-party servers. Lines that are not JSON (banners, stray prints)
 * are skipped and counted rather than failing the connection.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { LineSplitter } from './line-splitter.js';
import {
  MAX_STDIO_LINE_BYTES,
  STDIO_EXIT_GRACE_MS,
  STDIO_KILL_GRACE_MS,
} from '../config/defaults.js';
import type { StdioServerConfig } from '../config/model.js';
import { corkForTurn } from '../ipc/turn-cork.js';
import { childLedger } from './child-ledger.js';
import { JsonLimitError, parseJson } from '../mcp/json-limits.js';
import { restoreRawIds } from '../mcp/raw-id.js';

/** Parent variables a backend may inherit; everything else must be set in its config. */
export const STDIO_ENV_ALLOWLIST = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TEMP', 'TMP',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
  'http_proxy', 'https_proxy', 'no_proxy', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR',
] as const;

/** Bytes queued to a child's stdin before new requests are refused (it stopped reading). */
export const MAX_STDIN_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Longest stderr line passed to the log; the rest is cut. */
export const MAX_STDERR_LINE_CHARS = 2_000;

/**
 * The id of a response from the two ends of its (dropped) line: a top-level
 * `"id":N` right after the opening brace (and an optional "jsonrpc" member),
 * or right before the closing one (the MCP SDK writes it last). Inside a
 * JSON string quotes are escaped, so payload text cannot fake either shape.
 */
export function responseIdOf(head: Buffer, tail: Buffer): number | undefined {
  const first = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(\d{1,15})\s*[,}]/.exec(head.toString('latin1'));
  const last = /[,{]\s*"id"\s*:\s*(\d{1,15})\s*\}\s*$/.exec(tail.toString('latin1'));
  const id = first?.[1] ?? last?.[1];
  return id === undefined ? undefined : Number(id);
}

export function childEnvironment(config: StdioServerConfig, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of STDIO_ENV_ALLOWLIST) {
    const value = parent[key];
    if (value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(parent)) {
    if (key.startsWith('LC_') && value !== undefined) env[key] = value;
  }
  return { ...env, ...config.env };
}

export interface StdioChildEvents {
  message: [value: unknown];
  invalidLine: [reason: string];
  /** A line over MAX_STDIO_LINE_BYTES was dropped; `id` is the JSON-RPC id it answered, when its ends name one. */
  oversized: [bytes: number, id: number | undefined];
  /** A JSON line past an input limit (never parsed): the connection answers for it. */
  refused: [error: JsonLimitError];
  stderr: [line: string];
  exit: [code: number | null, signal: NodeJS.Signals | null];
  spawnError: [error: Error];
}

export class StdioChild extends EventEmitter<StdioChildEvents> {
  private child: ChildProcessWithoutNullStreams | undefined;
  private exited: Promise<void> = Promise.resolve();
  private alive = false;
  /** Reasons to leave stdout unread (workers over their channel bound); reading resumes at zero. */
  private holds = 0;
  invalidLines = 0;

  constructor(readonly config: StdioServerConfig) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.alive;
  }

  start(): void {
    const child = spawn(this.config.command, [...this.config.args], {
      cwd: this.config.cwd,
      env: childEnvironment(this.config),
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C must not kill backends behind
      // the primary's back; the primary stops them in order (EOF, TERM, KILL).
      // If the primary dies outright, the child sees EOF on stdin.
      detached: true,
      windowsHide: true,
    });
    this.child = child;
    this.alive = true;
    // On record until it is gone: a primary killed outright leaves the next one a way to end this process.
    childLedger.add(child.pid, 'stdio', this.config.name);
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.alive = false;
        childLedger.remove(child.pid);
        this.emit('exit', code, signal);
        resolve();
      });
    });
    child.once('error', (err) => {
      // ENOENT and friends: 'close' follows for a spawned process, but not
      // always for one that never started, so settle here too.
      this.alive = false;
      this.emit('spawnError', err);
    });
    child.stdin.on('error', () => {
      // EPIPE after the child died; the 'close' event reports the exit.
    });
    const splitter = new LineSplitter(
      MAX_STDIO_LINE_BYTES,
      (line) => this.onLine(line),
      (bytes, ends) => {
        this.invalid(`line of ${bytes} bytes exceeds the ${MAX_STDIO_LINE_BYTES}-byte cap`);
        this.emit('oversized', bytes, responseIdOf(ends.head, ends.tail));
      },
    );
    child.stdout.on('data', (chunk: Buffer) => splitter.push(chunk));
    const errSplitter = new LineSplitter(
      64 * 1024,
      (line) => this.emit('stderr', line.toString('utf8', 0, Math.min(line.length, MAX_STDERR_LINE_CHARS))),
      () => this.emit('stderr', '[stderr line too long, dropped]'),
    );
    child.stderr.on('data', (chunk: Buffer) => errSplitter.push(chunk));
  }

  /** Writes one message; false when the child is gone or has stopped reading. */
  send(message: unknown): boolean {
    const child = this.child;
    if (!child || !this.alive || !child.stdin.writable) return false;
    if (child.stdin.writableLength > MAX_STDIN_BUFFERED_BYTES) return false;
    corkForTurn(child.stdin);
    // An id the backend sent above 2^53 goes back exactly (raw-id.ts).
    child.stdin.write(`${restoreRawIds(JSON.stringify(message))}\n`);
    return true;
  }

  /**
   * Stops reading stdout until `released` settles (back-pressure: the pipe
   * fills and the backend's writes block). Holds nest; reading resumes when
   * the last one is released.
   */
  holdUntil(released: Promise<void>): void {
    const stdout = this.child?.stdout;
    if (!stdout) return;
    if (this.holds++ === 0) stdout.pause();
    void released.then(() => {
      if (--this.holds === 0) stdout.resume();
    });
  }

  /** stdin EOF, then SIGTERM, then SIGKILL; resolves once the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    child.stdin.end();
    if (await this.exitsWithin(STDIO_EXIT_GRACE_MS)) return;
    child.kill('SIGTERM');
    if (await this.exitsWithin(STDIO_KILL_GRACE_MS)) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Immediate SIGKILL, for a primary that is itself going down hard. */
  kill(): void {
    if (this.child && this.alive) this.child.kill('SIGKILL');
  }

  private exitsWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private onLine(line: Buffer): void {
    const first = line[0];
    // Cheap pre-check: JSON-RPC lines start with '{' (after optional spaces).
    let value: unknown;
    try {
      value = first === 0x7b || first === 0x20 || first === 0x09 ? parseJson(line, true) : undefined;
    } catch (err) {
      if (err instanceof JsonLimitError) {
        this.invalidLines++;
        this.emit('refused', err);
        return;
      }
      value = undefined;
    }
    if (value === undefined || typeof value !== 'object' || value === null) {
      this.invalid(`non-JSON line on stdout: ${line.toString('utf8', 0, Math.min(line.length, 120))}`);
      return;
    }
    this.emit('message', value);
  }

  private invalid(reason: string): void {
    this.invalidLines++;
    this.emit('invalidLine', reason);
  }
}
