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

/*
 * The admin API's views (docs/admin-api.md). Each worker hands its recent
 * requests and log lines to its primary in batches; the primary keeps the
 * node's rings, so a view shows every worker of the node whichever answers.
 */

/** Recent calls the node keeps for GET /api/v1/admin/requests/recent (method, target, latency, outcome; never arguments or results). */
export const RECENT_REQUESTS_RING_ENTRIES = 1_000;
/** Recent log lines the node keeps for GET /api/v1/admin/logs/recent. */
export const RECENT_LOG_LINES_RING_ENTRIES = 1_000;
/** Characters of a log line's message (and of a request's target) kept in a ring; the rest is cut. */
export const RECENT_ENTRY_TEXT_CHARS = 500;
/** How often a worker hands its new entries and counters to its primary. */
export const ADMIN_FEED_FLUSH_MS = 250;
/**
 * Entries a worker holds between two hand-overs (requests and log lines
 * each). Past it the newest are not kept (counted in `dropped`): a burst
 * faster than a flush must not grow a worker's memory, and every entry
 * handed over is serialised to the primary, whose ring keeps only
 * RECENT_REQUESTS_RING_ENTRIES for the whole node anyway. 250 per 250 ms
 * (1,000 a second per worker) cost about 1 µs per request less than 2,000
 * did at 10,000 requests a second (docs/performance.md).
 */
export const ADMIN_FEED_BATCH_ENTRIES = 250;
/** Default `?limit=` of the admin API's lists (requests, logs, sessions). */
export const ADMIN_LIST_DEFAULT_LIMIT = 100;
/** Largest `?limit=` accepted; more is a 400. */
export const ADMIN_LIST_MAX_LIMIT = 1_000;
/** How long an admin view of servers or tools waits for ready servers' tool lists to arrive; then it shows what the catalog holds. */
export const ADMIN_VIEW_LIST_WAIT_MS = 2_000;
/** How long the primary waits for its workers' parts of a node-wide view (sessions) before answering with what it has. */
export const ADMIN_GATHER_TIMEOUT_MS = 2_000;
/** How long a worker waits for its primary's answer to an admin request. */
export const ADMIN_PRIMARY_TIMEOUT_MS = 10_000;
/** The window GET /api/v1/admin/metrics computes requests per second, error rate and latency percentiles over. */
export const ADMIN_RATE_WINDOW_MS = 10_000;
/**
 * Distinct principals counted by name in only1mcp_principal_requests_total;
 * later ones are counted as "other", so a flood of identities cannot grow
 * the metrics without bound.
 */
export const MAX_PRINCIPAL_LABELS = 100;
