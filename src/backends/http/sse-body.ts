/**
 * Reads JSON-RPC messages out of an SSE response body (a Node Readable of
 * bytes, as h1/stream-request.ts returns it). Events whose data is empty or
 * not JSON come with `value` undefined: priming events, and the legacy
 * transport's `endpoint` event, whose data is a URL. Data past an input
 * limit (json-limits.ts) is not parsed: `value` is the JsonLimitError.
 */
import type { Readable } from 'node:stream';
import { SseDecoder, type SseEvent } from '../../mcp/sse.js';
import { JsonLimitError, parseJson } from '../../mcp/json-limits.js';

export async function readSse(body: Readable, onEvent: (event: SseEvent, value: unknown) => boolean | void): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  let stop = false;
  const sse = new SseDecoder((event) => {
    if (stop) return;
    if (event.data.trim() === '') {
      onEvent(event, undefined);
      return;
    }
    let value: unknown;
    try {
      value = parseJson(event.data, true);
    } catch (err) {
      value = err instanceof JsonLimitError ? err : undefined;
    }
    if (onEvent(event, value) === true) stop = true;
  });
  for await (const chunk of body as AsyncIterable<Buffer>) {
    sse.push(decoder.decode(chunk, { stream: true }));
    if (stop) {
      body.destroy();
      return;
    }
  }
}
