/**
 * Faults inside the gateway, told apart from what a client sees. The client
 * gets "internal error (ref 1a2b3c)" and nothing of the fault's text (a
 * stack overflow message, a path, a backend's internals); the log has the
 * detail under the same ref.
 *
 * The ref names the kind of fault, not the request: it is a hash of the
 * error's name, its message with numbers blanked, and the frame that threw
 * it. So one bug hit 3,000 times is one ref, logged with its stack once
 * per INTERNAL_ERROR_LOG_INTERVAL_MS and counted in between (the next line
 * says how many), and an operator handed a ref by a user finds its entry.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../mcp/errors.js';
import { INTERNAL_ERROR_KINDS_MAX, INTERNAL_ERROR_LOG_INTERVAL_MS } from '../config/defaults.js';
import type { Logger } from './log.js';

interface Kind {
  loggedAt: number;
  unlogged: number;
}

/**
 * Stack frames that identify a kind of fault: the throw site only. Its
 * callers vary (one bug reached from ten routes is one bug), and a stack
 * overflow's top frames are the recursion, whichever request started it.
 */
const KEY_FRAMES = 1;

export class InternalErrors {
  private readonly kinds = new Map<string, Kind>();

  constructor(
    /** Where the detail goes (replaced when the process re-initialises its logger). */
    public logger: Logger,
    private readonly intervalMs = INTERNAL_ERROR_LOG_INTERVAL_MS,
    private readonly maxKinds = INTERNAL_ERROR_KINDS_MAX,
  ) {}

  /** Logs `err` (rate-limited per kind) and returns the generic error the client gets. */
  report(err: unknown, what: string): GatewayError {
    const ref = refOf(err);
    const now = Date.now();
    let kind = this.kinds.get(ref);
    if (kind && now - kind.loggedAt < this.intervalMs) {
      kind.unlogged++;
    } else {
      const repeats = kind?.unlogged ?? 0;
      if (!kind) {
        if (this.kinds.size >= this.maxKinds) this.kinds.delete(this.kinds.keys().next().value!);
        kind = { loggedAt: now, unlogged: 0 };
        this.kinds.set(ref, kind);
      }
      kind.loggedAt = now;
      kind.unlogged = 0;
      const e = err instanceof Error ? err : undefined;
      this.logger.error({ ref, err: e ? `${e.name}: ${e.message}` : String(err), stack: e?.stack, ...(repeats > 0 ? { repeatsSinceLastLog: repeats } : {}) }, `internal error ${what}`);
    }
    return new GatewayError('GW_ERR_INTERNAL', `internal error (ref ${ref})`, { ref });
  }
}

export function refOf(err: unknown): string {
  const e = err instanceof Error ? err : undefined;
  const message = (e ? e.message : String(err)).replace(/\d+/g, '#');
  const frames = e?.stack?.split('\n').slice(1, 1 + KEY_FRAMES).join('\n') ?? '';
  return createHash('sha256').update(`${e?.name ?? typeof err}\n${message}\n${frames}`).digest('hex').slice(0, 6);
}

let processReporter: InternalErrors | undefined;

/** This process's reporter (one per process, so the rate limit is per process), writing to `logger`. */
export function internalErrors(logger: Logger): InternalErrors {
  processReporter ??= new InternalErrors(logger);
  processReporter.logger = logger;
  return processReporter;
}
