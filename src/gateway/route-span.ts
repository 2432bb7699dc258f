/**
 * The router's decision as a span (kind internal, under the request's):
 * which backend owns the name or URI, and how long finding out took (a
 * lookup may wait for a backend's lists to load). Its sibling spans are the
 * backend attempts (policy/trace-policy.ts).
 */
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { TraceSpan } from '../observe/tracing.js';
import { ATTR_BACKEND, ATTR_OUTCOME, errorOutcome, targetAttributes } from '../observe/span-attributes.js';

export async function routeSpan<T extends { backend: string }>(parent: TraceSpan, method: string, params: JsonObject, decide: () => Promise<T>): Promise<T> {
  const span = parent.child(`route ${method}`, 'internal', targetAttributes(method, params));
  try {
    const target = await decide();
    span.set(ATTR_BACKEND, target.backend);
    span.set(ATTR_OUTCOME, 'routed');
    return target;
  } catch (err) {
    span.fail(errorOutcome(err));
    span.set(ATTR_OUTCOME, 'unrouted');
    throw err;
  } finally {
    span.end();
  }
}
