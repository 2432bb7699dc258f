/**
 * Records every backend call's duration and outcome in the
 * only1mcp_backend_call_seconds histogram: "ok", "error" (the backend's own
 * JSON-RPC error, an application answer) or "fault" (the gateway could not
 * get an answer: timeout, crash, unreachable).
 */
import { observeBackendCall } from '../observe/metrics.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import { activity } from '../observe/activity.js';
import type { Send } from './breaker-policy.js';

/** Also counts the call per server for the admin API (requests, errors, in flight). */
export function withTiming<T>(backend: string, send: Send<T>): Send<T> {
  return async () => {
    const start = performance.now();
    const counts = activity()?.callStarted(backend);
    try {
      const result = await send();
      observeBackendCall(backend, 'ok', (performance.now() - start) / 1000);
      if (counts) activity()!.callEnded(counts, false);
      return result;
    } catch (err) {
      observeBackendCall(backend, err instanceof UpstreamRpcError ? 'error' : 'fault', (performance.now() - start) / 1000);
      if (counts) activity()!.callEnded(counts, true);
      throw err;
    }
  };
}
