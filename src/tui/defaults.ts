/**
 * Limits of `only1mcp tui`. The TUI reads a gateway's admin API, which with
 * --url may be any server: every amount it keeps or waits for is bounded here.
 */

/** Between two polls of the admin API (--interval sets it, within the bounds below). */
export const TUI_POLL_INTERVAL_MS = 1_000;
export const TUI_MIN_POLL_INTERVAL_MS = 200;
export const TUI_MAX_POLL_INTERVAL_MS = 60_000;
/** One admin request; a gateway that takes longer counts as not answering this round. */
export const TUI_REQUEST_TIMEOUT_MS = 3_000;
/** Largest admin response body read; a bigger one is an error shown in the status line, not a memory hog. */
export const TUI_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Most entries asked for per poll from requests/recent and logs/recent (?limit=). */
export const TUI_PAGE_LIMIT = 200;
/** Recent requests and log lines kept in memory (oldest dropped first). */
export const TUI_REQUESTS_KEPT = 1_000;
export const TUI_LOG_LINES_KEPT = 2_000;
/** Samples kept for the sparklines: one per poll. */
export const TUI_HISTORY_POINTS = 120;
/** Most servers, tools or stderr lines taken from one response. */
export const TUI_MAX_SERVERS = 1_000;
export const TUI_MAX_STDERR_LINES = 50;
/** Longest string kept from any field of a response (names, messages, errors). */
export const TUI_MAX_FIELD_CHARS = 2_000;
/** Longest filter typed after `/`. */
export const TUI_MAX_FILTER_CHARS = 100;
