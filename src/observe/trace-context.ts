/**
 * W3C Trace Context (`traceparent`, `tracestate`) as the gateway reads it
 * from clients and writes it to backends: HTTP headers, or the `_meta` keys
 * of the same names (SEP-414 makes `traceparent`, `tracestate` and `baggage`
 * an exception to the DNS-prefix rule for `_meta` keys).
 *
 * Validation is strict and never throws: a malformed value is ignored as if
 * absent (the gateway then starts a trace of its own, or sends none), and is
 * never copied anywhere. Values that pass are rebuilt, not echoed, so what a
 * backend receives is always well formed and bounded. Nothing here knows
 * OpenTelemetry.
 */
import { MAX_TRACEPARENT_CHARS, MAX_TRACESTATE_CHARS, MAX_TRACESTATE_INPUT_CHARS, MAX_TRACESTATE_MEMBERS } from './defaults.js';

/** The `_meta` keys (and header names) of W3C trace context. */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

/** A validated trace context, as sent to a backend (lower-case hex, version 00). */
export interface TraceCarrier {
  readonly traceparent: string;
  readonly tracestate?: string | undefined;
}

export interface ParsedTraceparent {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** 16 lower-case hex digits, not all zero. */
  spanId: string;
  /** The trace flags byte (bit 0: sampled, bit 1: random trace id). */
  flags: number;
}

/** Flags a version-00 receiver knows (sampled, random); others are zeroed when propagated. */
const KNOWN_FLAGS = 0x03;

/**
 * Parses a traceparent value, or undefined when it is malformed: wrong
 * length, upper-case hex, version ff, an all-zero id, or (version 00) any
 * trailing data. A later version is read by its version-00 prefix, as the
 * specification asks. Checked character by character (every request with a
 * context pays this, twice on HTTP backends): no regular expression.
 */
export function parseTraceparent(value: unknown): ParsedTraceparent | undefined {
  if (typeof value !== 'string' || value.length < 55 || value.length > MAX_TRACEPARENT_CHARS) return undefined;
  if (!lowerHex(value, 0, 2) || value.startsWith('ff')) return undefined;
  if (value.startsWith('00') ? value.length !== 55 : value.length > 55 && value.charCodeAt(55) !== DASH) return undefined;
  if (value.charCodeAt(2) !== DASH || value.charCodeAt(35) !== DASH || value.charCodeAt(52) !== DASH) return undefined;
  if (!lowerHex(value, 3, 35) || !lowerHex(value, 36, 52) || !lowerHex(value, 53, 55)) return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  if (traceId === '00000000000000000000000000000000' || spanId === '0000000000000000') return undefined;
  return { traceId, spanId, flags: parseInt(value.slice(53, 55), 16) };
}

const DASH = 0x2d;

/** Every character of text[from, to) is 0-9 or a-f. */
function lowerHex(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** `key` is `a-z` then `a-z0-9_-*\/`, or `tenant@system`; a value is printable ASCII without `,` or `=`, not ending in a space. */
const MEMBER_KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const MEMBER_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * A tracestate value cleaned for propagation, or undefined when it is absent,
 * too long to look at, or malformed (an invalid member, a duplicate key,
 * more than 32 members: the specification lets a vendor drop it whole).
 * Kept within MAX_TRACESTATE_CHARS by dropping members over 128 characters,
 * then members from the end.
 */
export function cleanTracestate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TRACESTATE_INPUT_CHARS) return undefined;
  const members: string[] = [];
  const keys = new Set<string>();
  for (const raw of value.split(',')) {
    const member = raw.trim();
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq <= 0) return undefined;
    const key = member.slice(0, eq);
    if (!MEMBER_KEY.test(key) || !MEMBER_VALUE.test(member.slice(eq + 1)) || keys.has(key)) return undefined;
    keys.add(key);
    members.push(member);
    if (members.length > MAX_TRACESTATE_MEMBERS) return undefined;
  }
  let kept = members;
  if (joinedLength(kept) > MAX_TRACESTATE_CHARS) kept = kept.filter((m) => m.length <= 128);
  while (kept.length > 0 && joinedLength(kept) > MAX_TRACESTATE_CHARS) kept = kept.slice(0, -1);
  return kept.length > 0 ? kept.join(',') : undefined;
}

function joinedLength(members: readonly string[]): number {
  return members.reduce((n, m) => n + m.length, 0) + Math.max(0, members.length - 1);
}

/**
 * The carrier for a traceparent/tracestate pair as received, or undefined
 * when the traceparent is missing or malformed (then the tracestate is not
 * even looked at, per the specification).
 */
export function readCarrier(traceparent: unknown, tracestate: unknown): TraceCarrier | undefined {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return undefined;
  const state = cleanTracestate(tracestate);
  const normal = formatTraceparent(parsed.traceId, parsed.spanId, parsed.flags & KNOWN_FLAGS);
  return state === undefined ? { traceparent: normal } : { traceparent: normal, tracestate: state };
}

/**
 * The client's trace context for one request: the `_meta` keys of the
 * message when they hold a valid one (they belong to this very message),
 * else the HTTP headers of the POST that carried it.
 */
export function requestCarrier(meta: Readonly<Record<string, unknown>> | undefined, fromHeaders: TraceCarrier | undefined): TraceCarrier | undefined {
  if (meta !== undefined && meta[TRACEPARENT] !== undefined) return readCarrier(meta[TRACEPARENT], meta[TRACESTATE]) ?? fromHeaders;
  return fromHeaders;
}

/**
 * HTTP headers mirroring the trace context a request's params carry in
 * `_meta` (set by the gateway for this backend attempt), checked again so a
 * header can never be malformed. Undefined when there is none: the common
 * case costs two property reads.
 */
export function traceHeaders(params: unknown): Record<string, string> | undefined {
  const meta = (params as { _meta?: unknown } | undefined)?._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const m = meta as Record<string, unknown>;
  if (m[TRACEPARENT] === undefined) return undefined;
  const carrier = readCarrier(m[TRACEPARENT], m[TRACESTATE]);
  if (!carrier) return undefined;
  return carrier.tracestate === undefined ? { traceparent: carrier.traceparent } : { traceparent: carrier.traceparent, tracestate: carrier.tracestate };
}
