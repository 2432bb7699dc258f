/**
 * JSON-RPC ids kept exactly as sent. A numeric id a JS number cannot hold
 * (9007199254740993 parses to ...992) is carried through the gateway as a
 * string: a mark (U+0000 '#': parseJson refuses a string id that starts
 * with it, so a marked id is always one the gateway made) and the raw
 * digits. The mark survives every hop (msgpack frames, the shared
 * store, SSE event logs) because it is an ordinary string; the writers that
 * put bytes on a wire to a peer (the HTTP reply, a stdio backend's stdin, a
 * POST to an HTTP backend) turn `"id":"\u0000#<digits>"` back into the bare
 * number. Only the `"id":` member is restored, and only when the text holds
 * the escaped mark at all (one indexOf per message otherwise).
 */

export const RAW_ID_MARK = '\u0000#';
/** How JSON.stringify writes the mark. */
const ENCODED_MARK = '"\\u0000#';
const RAW_ID_IN_TEXT = /"id":"\\u0000#(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)"/g;

export function markRawId(text: string): string {
  return RAW_ID_MARK + text;
}

/** JSON text with every marked id member written back as its raw number. */
export function restoreRawIds(text: string): string {
  if (text.indexOf(ENCODED_MARK) === -1) return text;
  return text.replace(RAW_ID_IN_TEXT, '"id":$1');
}
