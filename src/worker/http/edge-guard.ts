/**
 * The DNS-rebinding check as every route applies it: /mcp, /sse, /messages,
 * /health, /metrics, the resource metadata, the 404 catch-all (and, through
 * admin.ts, /admin/* and /api/v1/admin/*). One refusal for all: 403 with
 * GW_ERR_FORBIDDEN_ORIGIN or GW_ERR_FORBIDDEN_HOST naming the value sent.
 */
import { rejectWith } from './transport-errors.js';
import type { GuardVerdict, OriginGuard } from './origin-guard.js';
import type { Reply } from './reply.js';
import type { HttpRequest } from './uws.js';

/** Answers a refused verdict; true when the request may go on. */
export function admitVerdict(reply: Reply, verdict: GuardVerdict): boolean {
  if (verdict.ok) return true;
  const what = verdict.reason === 'origin' ? 'Origin' : 'Host';
  rejectWith(reply, verdict.reason === 'origin' ? 'GW_ERR_FORBIDDEN_ORIGIN' : 'GW_ERR_FORBIDDEN_HOST', `Forbidden: ${what} ${JSON.stringify(verdict.value)} is not allowed`);
  return false;
}

/** Checks a request's Origin and Host (read now: uWS's request object is only valid synchronously). */
export function admitRequest(guard: OriginGuard, req: HttpRequest, reply: Reply): boolean {
  return admitVerdict(reply, guard.check(req.getHeader('origin'), req.getHeader('host')));
}
