/**
 * One span per backend attempt, as a function around a backend call: the
 * span (kind client) is the parent the backend sees, so each attempt (a
 * retry too, when a retry policy calls `send` again) carries a new span id.
 * The call gets the context to send with `trace`; with no trace on the
 * request (tracing off and none from the client), the client's passed
 * through (tracing off), or a request left out by the sampler, it costs one
 * closure.
 *
 * Outcomes as the timing policy counts them: "ok", "tool_error" (a result
 * with isError), "error" (the backend's own JSON-RPC error) or "fault" (no
 * answer: timeout, crash, refusal).
 */
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import { spanName, type TraceCarrier, type TraceSpan } from '../observe/tracing.js';
import { ATTR_BACKEND, ATTR_OUTCOME, errorOutcome, resultOutcome, targetAttributes } from '../observe/span-attributes.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { Send } from './breaker-policy.js';

export function withAttemptSpan<T>(parent: TraceSpan | undefined, backend: string, method: string, params: JsonObject | undefined, send: (trace: TraceCarrier | undefined) => Promise<T>): Send<T> {
  if (parent === undefined) return () => send(undefined);
  // The client's context forwarded (tracing off), or a request the sampler left out: no span to make.
  if (!parent.recording) return () => send(parent.carrier);
  return async () => {
    const attributes = targetAttributes(method, params, { [ATTR_BACKEND]: backend });
    const span = parent.child(spanName(method, attributes), 'client', attributes);
    try {
      const result = await send(span.carrier);
      const toolError = resultOutcome(result);
      if (toolError) span.fail(toolError);
      span.set(ATTR_OUTCOME, toolError ? 'tool_error' : 'ok');
      return result;
    } catch (err) {
      span.fail(errorOutcome(err));
      span.set(ATTR_OUTCOME, err instanceof UpstreamRpcError ? 'error' : 'fault');
      throw err;
    } finally {
      span.end();
    }
  };
}
