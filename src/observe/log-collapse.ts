/**
 * Repeated warnings and errors collapsed into a count. A backend that cannot
 * be reached is retried by every worker with backoff, and each retry used to
 * log the same warning ("http backend handshake failed", one line per retry
 * per worker per backend): in a short session with a few unreachable
 * servers, most lines of the log were that one warning.
 *
 * A line's identity is its level, its message and its fields, except the
 * numbers that count or time (`retryInMs`, `restarts`, `pid`...): the same
 * failure of the same backend is one kind, another backend or another error
 * text is another. The first of a kind is always printed. Repeats within
 * LOG_COLLAPSE_WINDOW_MS are counted; when the window closes, one line says
 * how many there were (with the last one's fields), and the next window
 * counts again; a window without repeats forgets the kind, so its next
 * occurrence prints as a first. At most MAX_LOG_COLLAPSE_KEYS kinds are
 * tracked; past that, lines print as they come (never hidden).
 *
 * Works on the arguments of a pino call (before serialisation), so JSON and
 * pretty output collapse alike and nothing is parsed.
 */
import { LOG_COLLAPSE_KEY_FIELD_CHARS, LOG_COLLAPSE_WINDOW_MS, MAX_LOG_COLLAPSE_KEYS } from './defaults.js';

/** pino's numeric levels: warn and error collapse; fatal (the process is ending) and below warn print as they come. */
const WARN = 40;
const FATAL = 60;

/** Fields that count or time, whose values change between repeats of one kind of line. */
const VARYING_FIELD = /(?:Ms|At|Count)$|^(?:restarts|failures|pid|count|attempts?|time)$/;

export type Emit = (args: unknown[]) => void;

interface Kind {
  emit: Emit;
  last: unknown[];
  repeats: number;
  timer: NodeJS.Timeout | undefined;
}

export interface CollapseOptions {
  windowMs?: number;
  maxKinds?: number;
}

export class LogCollapser {
  private readonly kinds = new Map<string, Kind>();
  private readonly windowMs: number;
  private readonly maxKinds: number;

  constructor(options: CollapseOptions = {}) {
    this.windowMs = options.windowMs ?? LOG_COLLAPSE_WINDOW_MS;
    this.maxKinds = options.maxKinds ?? MAX_LOG_COLLAPSE_KEYS;
  }

  /** One log call: printed through `emit` now, or counted for the window's summary. */
  log(level: number, args: unknown[], emit: Emit): void {
    if (level < WARN || level >= FATAL) return emit(args);
    const key = identity(level, args);
    const kind = this.kinds.get(key);
    if (kind) {
      kind.repeats++;
      kind.last = args;
      kind.emit = emit;
      return;
    }
    if (this.kinds.size < this.maxKinds) {
      const fresh: Kind = { emit, last: args, repeats: 0, timer: undefined };
      this.kinds.set(key, fresh);
      this.schedule(key, fresh);
    }
    emit(args);
  }

  /** Prints every pending count now (the process is about to exit) and forgets all kinds. */
  flush(): void {
    for (const [key, kind] of this.kinds) {
      clearTimeout(kind.timer);
      this.kinds.delete(key);
      if (kind.repeats > 0) kind.emit(summary(kind.last, kind.repeats, this.windowMs));
    }
  }

  /** Kinds tracked now (for tests: memory stays bounded). */
  get size(): number {
    return this.kinds.size;
  }

  private schedule(key: string, kind: Kind): void {
    kind.timer = setTimeout(() => this.closeWindow(key, kind), this.windowMs);
    kind.timer.unref();
  }

  private closeWindow(key: string, kind: Kind): void {
    if (kind.repeats === 0) {
      this.kinds.delete(key);
      return;
    }
    kind.emit(summary(kind.last, kind.repeats, this.windowMs));
    kind.repeats = 0;
    this.schedule(key, kind);
  }
}

/** The identity of a line: level, message, and its fields other than counters and times (each cut, so a key stays small). */
export function identity(level: number, args: readonly unknown[]): string {
  const first = args[0];
  let key = String(level);
  if (typeof first === 'string' || first === null || typeof first !== 'object') return `${key}\0${String(first)}`;
  key += `\0${String(args[1])}`;
  if (first instanceof Error) return `${key}\0${cut(first.message)}`;
  for (const name in first) {
    if (VARYING_FIELD.test(name)) continue;
    const value = (first as Record<string, unknown>)[name];
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) key += `\0${name}=${String(value)}`;
    else if (typeof value === 'string') key += `\0${name}=${cut(value)}`;
    else if (value !== undefined) key += `\0${name}=${cut(safeJson(value))}`;
  }
  return key;
}

/** The line that stands for `repeats` repeats: the last one's fields, `repeated: N`, and the count in the message. */
export function summary(last: readonly unknown[], repeats: number, windowMs: number): unknown[] {
  const note = `(repeated ${repeats} more time${repeats === 1 ? '' : 's'} in ${Math.round(windowMs / 1000)} s)`;
  const first = last[0];
  if (typeof first === 'object' && first !== null && !(first instanceof Error)) {
    return [{ ...(first as Record<string, unknown>), repeated: repeats }, `${String(last[1] ?? '')} ${note}`.trim()];
  }
  const message = first instanceof Error ? first.message : String(first);
  return [{ repeated: repeats }, `${message} ${note}`];
}

function cut(text: string): string {
  return text.length <= LOG_COLLAPSE_KEY_FIELD_CHARS ? text : text.slice(0, LOG_COLLAPSE_KEY_FIELD_CHARS);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unserialisable]';
  }
}
