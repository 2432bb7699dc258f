/**
 * Bounds of the observability area (trace context, span attributes, log
 * collapsing), each with its unit in the name. Everything here bounds what a
 * client or a backend can make the gateway carry, store or print.
 */

/**
 * Longest `traceparent` read from a client. Version 00 is exactly 55
 * characters; later versions may append fields, which are ignored. A longer
 * value is ignored whole, never parsed or logged.
 */
export const MAX_TRACEPARENT_CHARS = 256;
/** A `tracestate` longer than this as received is ignored whole (never split or scanned). */
export const MAX_TRACESTATE_INPUT_CHARS = 8_192;
/**
 * What the gateway propagates of a valid `tracestate`: W3C asks for at least
 * 512 characters; members are dropped from the end (longest ones first) to fit.
 */
export const MAX_TRACESTATE_CHARS = 512;
/** W3C Trace Context: at most 32 list members; more makes the whole tracestate invalid. */
export const MAX_TRACESTATE_MEMBERS = 32;
/** Longest string the gateway puts in a span attribute (tool names, URIs, error messages: client-chosen text). */
export const MAX_SPAN_ATTRIBUTE_CHARS = 256;
/**
 * How long `shutdownTracing()` waits for the exporter to send what is
 * buffered when a worker stops: within the 2 s the primary allows a worker
 * past its drain timeout before it kills it. Spans still unsent are lost.
 */
export const TRACE_FLUSH_TIMEOUT_MS = 1_500;

/** A repeated log line (same level, message and identifying fields) within this window is counted, not printed. */
export const LOG_COLLAPSE_WINDOW_MS = 60_000;
/** Distinct repeated lines tracked at once; past it a new kind of line is printed and not tracked (never hidden). */
export const MAX_LOG_COLLAPSE_KEYS = 256;
/** Characters of each field value that go into a line's identity; the rest is cut (bounds the key). */
export const LOG_COLLAPSE_KEY_FIELD_CHARS = 200;
