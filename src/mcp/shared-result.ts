/**
 * Results that many responses carry unchanged — a merged list is the same
 * object for every client until a backend's list changes — are serialised
 * once. The cached tools/list of ten backends is 26 KB of JSON, and
 * stringifying it per request was most of what the worker spent answering it.
 *
 * A shared result must never be mutated: era shaping copies (shapeModern
 * builds a new object, itself shared through `sharedDerivative`).
 */
import type { JsonObject, JsonRpcMessage, JsonRpcResponse } from './jsonrpc.js';

const shared = new WeakSet<JsonObject>();
const encoded = new WeakMap<JsonObject, string>();
const derived = new WeakMap<JsonObject, JsonObject>();

/** Marks `result` as shared and immutable: its JSON is computed on first use and reused. */
export function share<T extends JsonObject>(result: T): T {
  shared.add(result);
  return result;
}

/** `derive(result)` computed once per shared result and shared in turn; computed every time for others. */
export function sharedDerivative(result: JsonObject, derive: (r: JsonObject) => JsonObject): JsonObject {
  if (!shared.has(result)) return derive(result);
  let d = derived.get(result);
  if (!d) {
    d = derive(result);
    if (d !== result) derived.set(result, share(d));
  }
  return d;
}

/** JSON text of a message; a response with a shared result gets the result's cached JSON spliced in. */
export function encodeMessage(message: JsonRpcMessage | JsonObject): string {
  const result = (message as { result?: unknown }).result;
  if (typeof result === 'object' && result !== null && shared.has(result as JsonObject)) {
    let text = encoded.get(result as JsonObject);
    if (text === undefined) {
      text = JSON.stringify(result);
      encoded.set(result as JsonObject, text);
    }
    return `{"jsonrpc":"2.0","id":${JSON.stringify((message as JsonRpcResponse).id)},"result":${text}}`;
  }
  return JSON.stringify(message);
}
