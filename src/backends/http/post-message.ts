/**
 * One JSON-RPC POST to a Streamable HTTP backend, answered with JSON, with an
 * SSE stream scoped to the request, or with 202 for notifications/responses.
 * Messages that arrive on the stream before the final response (progress,
 * logs, backend-to-client requests) go to `onMessage`.
 */
import type { Dispatcher } from 'undici';
import { GatewayError } from '../../mcp/errors.js';
import { classify, type JsonRpcId, type JsonRpcMessage, type JsonRpcResponse } from '../../mcp/jsonrpc.js';
import { readSse } from './sse-body.js';

/** Bytes of a non-MCP error body quoted in the gateway's error message. */
const ERROR_BODY_QUOTE_CHARS = 300;

export interface PostOutcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The final response for `expectId`, when the body carried one. */
  response: JsonRpcResponse | undefined;
  /** The body text of a non-2xx answer without a JSON-RPC error, for diagnostics. */
  text: string | undefined;
}

export interface PostOptions {
  path: string;
  headers: Record<string, string>;
  body: string;
  expectId: JsonRpcId | undefined;
  signal?: AbortSignal | undefined;
  onMessage?: (message: JsonRpcMessage) => void;
  bodyTimeoutMs?: number;
}

export async function postMessage(dispatcher: Dispatcher, options: PostOptions): Promise<PostOutcome> {
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher.request({
      path: options.path,
      method: 'POST',
      headers: options.headers,
      body: options.body,
      signal: options.signal,
      // Long tool calls stream nothing for minutes; our own deadline bounds them.
      bodyTimeout: options.bodyTimeoutMs ?? 0,
      headersTimeout: options.bodyTimeoutMs ?? 0,
    });
  } catch (err) {
    throw connectionError(err);
  }
  const headers = res.headers as Record<string, string | string[] | undefined>;
  const contentType = String(headers['content-type'] ?? '');
  const outcome: PostOutcome = { status: res.statusCode, headers, response: undefined, text: undefined };
  try {
    if (res.statusCode === 202 || res.statusCode === 204) {
      await res.body.dump();
      return outcome;
    }
    if (contentType.includes('text/event-stream')) {
      await readSse(res.body, (_event, value) => {
        if (value === undefined) return;
        const c = classify(value);
        if (c.kind === 'response' && (options.expectId === undefined || c.message.id === options.expectId)) {
          outcome.response = c.message;
          return true;
        }
        if (c.kind !== 'invalid') options.onMessage?.(c.message);
      });
      return outcome;
    }
    const text = await res.body.text();
    if (contentType.includes('application/json') || text.startsWith('{')) {
      try {
        const c = classify(JSON.parse(text));
        if (c.kind === 'response' && (c.message.id === options.expectId || c.message.id === null)) {
          outcome.response = c.message;
          return outcome;
        }
      } catch {
        // Not JSON after all: reported as text below.
      }
    }
    outcome.text = text.slice(0, ERROR_BODY_QUOTE_CHARS);
    return outcome;
  } catch (err) {
    throw connectionError(err);
  }
}

function connectionError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'AbortError') return new GatewayError('GW_ERR_INTERNAL', 'request aborted', { cancelled: true });
  return new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend connection failed: ${e.code ?? e.name ?? 'error'} ${e.message ?? ''}`.trim());
}
