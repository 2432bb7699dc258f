/**
 * The audit log: one JSON line per call, read and refusal, to its own
 * destination (a file every worker appends to, or stdout; the gateway's
 * logs go to stderr), so "who called delete_repo yesterday" is one grep:
 *
 *   {"time":"…","type":"audit","principal":"alice","via":"jwt","session":"…",
 *    "method":"tools/call","target":"github__delete_repo","backend":"github",
 *    "outcome":"denied","code":"GW_ERR_PERMISSION_DENIED","durationMs":0.1}
 *
 * Writes are asynchronous (an fs.WriteStream, also for stdout: a pipe to a
 * slow reader must not block the event loop as process.stdout would) and
 * never hold a call: past AUDIT_MAX_BUFFERED_BYTES waiting for a slow disk,
 * lines are dropped and counted (`dropped`), and the gateway's log says so,
 * rather than holding requests or memory hostage to the disk. Every worker
 * appends to the same file (O_APPEND); each write lands whole.
 *
 * Arguments are written only when configured, after redaction: the values
 * of keys matching the redact globs (any depth, case-insensitive) become
 * "[redacted]", and the JSON is cut past maxArgumentBytes. Redaction goes by
 * key: a secret inside free text is not found.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { AuditConfig } from '../config/auth-model.js';
import { AUDIT_MAX_BUFFERED_BYTES, MAX_AUDIT_ARGUMENT_DEPTH } from './defaults.js';
import { compileGlobs } from './glob.js';
import type { AuthMethod } from './principal.js';

export type AuditOutcome = 'ok' | 'error' | 'denied' | 'rate-limited' | 'unauthenticated' | 'forbidden';

export interface AuditEntry {
  /** undefined when the request never authenticated. */
  readonly principal: string | undefined;
  readonly via?: AuthMethod | undefined;
  readonly session?: string | undefined;
  /** The JSON-RPC method, or the HTTP request line for refusals at the gate ("POST /mcp"). */
  readonly method: string;
  /** Tool or prompt name as the client sent it, or the resource URI. */
  readonly target?: string | undefined;
  /** The server the call went (or would have gone) to. */
  readonly backend?: string | undefined;
  readonly outcome: AuditOutcome;
  /** GW_ERR_* name, or a backend's JSON-RPC error code. */
  readonly code?: string | number | undefined;
  /** Why, for refusals (the message the client got). */
  readonly reason?: string | undefined;
  readonly durationMs?: number | undefined;
  /** The call's arguments; written only when audit.arguments is on. */
  readonly arguments?: unknown;
}

export const REDACTED = '[redacted]';

export interface AuditLogOptions {
  /** Where lines go instead of the configured destination. */
  readonly stream?: Writable;
  /** Default AUDIT_MAX_BUFFERED_BYTES. */
  readonly maxBufferedBytes?: number;
  /** Told about a destination error (cannot open, disk full) and the first dropped line of a run. */
  readonly onProblem?: (message: string) => void;
  readonly now?: () => Date;
}

export class AuditLog {
  private readonly stream: Writable;
  private readonly redact: RegExp | undefined;
  private readonly now: () => Date;
  /** Lines lost to a full buffer or a failing destination. */
  dropped = 0;

  constructor(
    private readonly config: AuditConfig,
    private readonly options: AuditLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.redact = compileGlobs(config.redactKeys, 'name', true);
    this.stream = options.stream ?? openDestination(config);
    this.stream.on('error', (err: Error) => this.lost(`the audit destination failed: ${err.message}`));
  }

  record(entry: AuditEntry): void {
    const line: Record<string, unknown> = { time: this.now().toISOString(), type: 'audit', principal: entry.principal ?? null };
    for (const key of ['via', 'session', 'method', 'target', 'backend', 'outcome', 'code', 'reason'] as const) {
      if (entry[key] !== undefined) line[key] = entry[key];
    }
    if (entry.durationMs !== undefined) line.durationMs = Math.round(entry.durationMs * 1000) / 1000;
    if (this.config.arguments && entry.arguments !== undefined) Object.assign(line, this.auditedArguments(entry.arguments));
    if (this.stream.destroyed) return this.lost('the audit destination is closed');
    if (this.stream.writableLength > (this.options.maxBufferedBytes ?? AUDIT_MAX_BUFFERED_BYTES)) return this.lost('the audit destination is too slow; lines are being dropped');
    this.stream.write(`${JSON.stringify(line)}\n`);
  }

  /** Resolves once every line recorded so far has been written (or lost). */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.destroyed) return resolve();
      // An empty chunk's callback runs after every chunk before it.
      this.stream.write('', () => resolve());
    });
  }

  /** Flushes, then closes a file destination (a stream on stdout is left open). */
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }

  private auditedArguments(args: unknown): Record<string, unknown> {
    const redacted = this.redactValue(args, 0);
    const text = JSON.stringify(redacted) ?? 'null';
    if (Buffer.byteLength(text) <= this.config.maxArgumentBytes) return { arguments: redacted };
    // Cut on a character boundary; the cut text is no longer JSON, so it goes in its own field.
    const cut = Buffer.from(text).subarray(0, this.config.maxArgumentBytes).toString('utf8').replace(/\uFFFD$/, '');
    return { argumentsTruncated: cut, argumentsBytes: Buffer.byteLength(text) };
  }

  private redactValue(value: unknown, depth: number): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_AUDIT_ARGUMENT_DEPTH) return '[too deep]';
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.redact?.test(k) ? REDACTED : this.redactValue(v, depth + 1);
    return out;
  }

  private lost(message: string): void {
    if (this.dropped === 0 || (this.dropped & (this.dropped - 1)) === 0) this.options.onProblem?.(`${message} (${this.dropped + 1} lost so far)`);
    this.dropped++;
  }
}

function openDestination(config: AuditConfig): Writable {
  const d = config.destination;
  if (d.kind === 'stream') return fs.createWriteStream('', { fd: d.fd, autoClose: false });
  try {
    fs.mkdirSync(path.dirname(d.path), { recursive: true });
  } catch {
    // Opening the file fails next, and that error is reported like any other.
  }
  // 0600: audit lines name principals and, if configured, arguments.
  return fs.createWriteStream(d.path, { flags: 'a', mode: 0o600 });
}
