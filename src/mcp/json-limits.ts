/**
 * Limits on JSON that arrives from anyone (a client body, a backend's line,
 * event or HTTP body, a client's answer to a backend's request), checked on
 * the raw text BEFORE anything walks the parsed value recursively.
 *
 * Why on the raw text: V8's JSON.parse is iterative and takes any depth, but
 * JSON.stringify, msgpackr's encoder (the worker <-> primary frames) and most
 * code that walks a value recurse, so a value nested 10,000 deep overflows
 * the stack wherever it goes next (a crashed primary, a stack trace per
 * request). The scan here is a loop with a counter, so it cannot overflow
 * itself, and strings are skipped with indexOf (native speed), so a large
 * body of long strings costs little more than finding its quotes. A text no
 * longer than the limit cannot nest past it, so most bodies skip the scan.
 *
 * The limit is one number per process (`limits.maxJsonDepth`, applied with
 * configureJsonLimits when the config arrives or reloads).
 */
import { MAX_JSON_DEPTH } from '../config/defaults.js';
import { isObject } from './jsonrpc.js';
import { GatewayError, type ErrorName } from './errors.js';
import { markRawId, RAW_ID_MARK } from './raw-id.js';

type Source = string | Uint8Array;

let maxDepth = MAX_JSON_DEPTH;

/** Sets this process's limits (from the config's `limits`). */
export function configureJsonLimits(limits: { maxJsonDepth: number }): void {
  maxDepth = limits.maxJsonDepth;
}

export function jsonDepthLimit(): number {
  return maxDepth;
}

/** What the top level of a JSON-RPC text says, read without parsing the rest: enough to answer or route a refusal. */
export interface TopLevel {
  /** The raw text of the top-level "id" member, when present and a string or number. */
  idText: string | undefined;
  has: { method: boolean; result: boolean; error: boolean };
}

/** JSON that breaks a limit: `limit` names it (the config key), `top` tells who it was for. */
export class JsonLimitError extends Error {
  constructor(
    readonly limit: 'limits.maxJsonDepth' | 'id',
    message: string,
    private readonly source: Source,
  ) {
    super(message);
    this.name = 'JsonLimitError';
  }

  private topMembers: TopLevel | undefined;

  /** The top-level members, read on demand and once (a refused body is scanned once more, iteratively). */
  top(): TopLevel {
    return (this.topMembers ??= topLevel(this.source));
  }

  /** The limit as the party at fault hears it (the client's own message; a backend's answer is GW_ERR_BACKEND_LIMIT). */
  toGatewayError(name: ErrorName = 'GW_ERR_INPUT_LIMIT', prefix = 'Invalid Request: '): GatewayError {
    return new GatewayError(name, `${prefix}${this.message}`, this.limit === 'id' ? { limit: 'id' } : { limit: this.limit, max: maxDepth });
  }

  /** True when the text is a JSON-RPC response (an answer to a request the gateway sent). */
  isResponse(): boolean {
    const { has } = this.top();
    return !has.method && (has.result || has.error);
  }

  /** The request or response id the text carried, parsed, or null. */
  id(): string | number | null {
    const text = this.top().idText;
    if (text === undefined) return null;
    try {
      const id = JSON.parse(text) as unknown;
      if (typeof id === 'string') return id;
      if (typeof id === 'number' && Number.isFinite(id)) return Number.isSafeInteger(id) ? id : markRawId(text);
    } catch {
      // Not a scalar: no id to echo.
    }
    return null;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function codeAt(src: Source, i: number): number {
  return typeof src === 'string' ? src.charCodeAt(i) : src[i]!;
}

function indexOfQuote(src: Source, from: number): number {
  return typeof src === 'string' ? src.indexOf('"', from) : (src as Buffer).indexOf(QUOTE, from);
}

/** Index of the quote closing the string opened at `open`, or the text's length when it never closes. */
function endOfString(src: Source, open: number): number {
  let j = open;
  for (;;) {
    j = indexOfQuote(src, j + 1);
    if (j < 0) return src.length;
    let backslashes = 0;
    for (let k = j - 1; k > open && codeAt(src, k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

/** True when `src` nests objects/arrays deeper than `max`. Iterative; strings are skipped whole. */
export function nestsDeeperThan(src: Source, max: number): boolean {
  const n = src.length;
  if (n <= max || opensAtMost(src, max)) return false;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = codeAt(src, i);
    if (c === QUOTE) i = endOfString(src, i);
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return false;
}

/**
 * True when the text has at most `max` opening brackets in all (strings
 * included), so it cannot nest deeper: a typical request has a handful,
 * counted with a few native indexOf calls instead of a loop over every byte.
 */
function opensAtMost(src: Source, max: number): boolean {
  let count = 0;
  if (typeof src === 'string') {
    for (let i = src.indexOf('{'); i !== -1; i = src.indexOf('{', i + 1)) if (++count > max) return false;
    for (let i = src.indexOf('['); i !== -1; i = src.indexOf('[', i + 1)) if (++count > max) return false;
  } else {
    const bytes = src as Buffer;
    for (let i = bytes.indexOf(OPEN_OBJECT); i !== -1; i = bytes.indexOf(OPEN_OBJECT, i + 1)) if (++count > max) return false;
    for (let i = bytes.indexOf(OPEN_ARRAY); i !== -1; i = bytes.indexOf(OPEN_ARRAY, i + 1)) if (++count > max) return false;
  }
  return true;
}

/** Reads the members of a top-level object without parsing their values (iterative; any depth). */
export function topLevel(src: Source): TopLevel {
  const out: TopLevel = { idText: undefined, has: { method: false, result: false, error: false } };
  const n = src.length;
  let i = skipSpace(src, 0);
  if (i >= n || codeAt(src, i) !== OPEN_OBJECT) return out;
  i++;
  while (i < n) {
    i = skipSpace(src, i);
    if (i >= n || codeAt(src, i) !== QUOTE) return out;
    const keyEnd = endOfString(src, i);
    const key = slice(src, i + 1, keyEnd);
    i = skipSpace(src, keyEnd + 1);
    if (i >= n || codeAt(src, i) !== COLON) return out;
    const valueStart = skipSpace(src, i + 1);
    let depth = 0;
    let j = valueStart;
    for (; j < n; j++) {
      const c = codeAt(src, j);
      if (c === QUOTE) j = endOfString(src, j);
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (depth === 0) break;
        depth--;
      } else if (c === COMMA && depth === 0) break;
    }
    if (key === 'id') {
      const raw = slice(src, valueStart, j).trim();
      const first = raw.charCodeAt(0);
      if (first === QUOTE || first === 0x2d || (first >= 0x30 && first <= 0x39)) out.idText = raw;
    } else if (key === 'method') out.has.method = true;
    else if (key === 'result') out.has.result = true;
    else if (key === 'error') out.has.error = true;
    if (j >= n || codeAt(src, j) !== COMMA) return out;
    i = j + 1;
  }
  return out;
}

/** [start, end) of each element of a top-level array (iterative; values are not parsed). */
function elementSpans(src: Source): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const n = src.length;
  let i = skipSpace(src, 0);
  if (i >= n || codeAt(src, i) !== OPEN_ARRAY) return spans;
  let start = i + 1;
  let depth = 0;
  for (i = start; i < n; i++) {
    const c = codeAt(src, i);
    if (c === QUOTE) i = endOfString(src, i);
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && depth > 0) depth--;
    else if ((c === COMMA || c === CLOSE_ARRAY) && depth === 0) {
      spans.push([start, i]);
      if (c === CLOSE_ARRAY) break;
      start = i + 1;
    }
  }
  return spans;
}

function skipSpace(src: Source, i: number): number {
  while (i < src.length) {
    const c = codeAt(src, i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
  return i;
}

function slice(src: Source, start: number, end: number): string {
  return typeof src === 'string' ? src.slice(start, end) : Buffer.from(src.buffer, src.byteOffset + start, Math.max(0, end - start)).toString('utf8');
}

/**
 * JSON.parse behind the limits. Throws SyntaxError for text that is not
 * JSON and JsonLimitError for JSON past a limit.
 *
 * `rawIds`: a top-level numeric "id" that a JS number cannot hold exactly
 * (above 2^53, or with a fraction) is kept as its raw text, marked, so it
 * goes back exactly as it came (raw-id.ts). A string id that starts with
 * the mark itself is refused: it would come back as a number.
 */
export function parseJson(src: Source, rawIds = false): unknown {
  // Decoded once, then scanned as a string: V8 runs String indexOf in place, where each
  // Buffer indexOf is a call into C++ (about a microsecond per request body in all).
  const text = typeof src === 'string' ? src : Buffer.from(src.buffer, src.byteOffset, src.byteLength).toString('utf8');
  checkJsonLimits(text);
  const value = JSON.parse(text) as unknown;
  return rawIds ? keepExactId(value, text) : value;
}

/** Throws JsonLimitError when `src` breaks a limit (call before parsing it elsewhere, e.g. on a thread). */
export function checkJsonLimits(src: Source): void {
  if (nestsDeeperThan(src, maxDepth)) {
    throw new JsonLimitError('limits.maxJsonDepth', `JSON nested deeper than ${maxDepth} levels (limits.maxJsonDepth)`, src);
  }
}

/**
 * `value` (parsed from `src`) with a top-level numeric id a JS number cannot
 * hold kept as marked raw text; for a batch (2025-03-26), each message's.
 */
export function keepExactId(value: unknown, src: Source): unknown {
  if (Array.isArray(value)) {
    let spans: Array<[number, number]> | undefined;
    value.forEach((m, i) => {
      if (!isObject(m)) return;
      if (typeof m.id === 'string' && m.id.startsWith(RAW_ID_MARK)) throw new JsonLimitError('id', 'a string "id" may not begin with U+0000', src);
      if (typeof m.id !== 'number' || Number.isSafeInteger(m.id)) return;
      spans ??= elementSpans(src);
      const span = spans[i];
      if (span) keepExactId(m, slice(src, span[0], span[1]));
    });
    return value;
  }
  if (!isObject(value)) return value;
  const id = value.id;
  if (typeof id === 'number' && !Number.isSafeInteger(id)) {
    const text = topLevel(src).idText;
    if (text !== undefined && text !== String(id)) value.id = markRawId(text);
  } else if (typeof id === 'string' && id.startsWith(RAW_ID_MARK)) {
    throw new JsonLimitError('id', 'a string "id" may not begin with U+0000', src);
  }
  return value;
}
