/**
 * What every route checks first: the DNS-rebinding check (/mcp, /sse,
 * /messages, /health, /metrics, the resource metadata, the 404 catch-all;
 * /admin/* and /api/v1/admin/* through admin.ts), then, for routes that
 * take client traffic, a slot among the requests its address may have
 * open. Refusals: 403 with GW_ERR_FORBIDDEN_ORIGIN or GW_ERR_FORBIDDEN_HOST
 * naming the value sent; 429 with GW_ERR_CLIENT_LIMIT and Retry-After.
 */
import { GatewayError } from '../../mcp/errors.js';
import { refuseBadFraming, reject, rejectWith } from './transport-errors.js';
import { framingProblem } from './framing.js';
import type { GuardVerdict, OriginGuard } from './origin-guard.js';
import type { Headers, Reply } from './reply.js';
import type { HttpRequest, HttpResponse } from './uws.js';
import type { AddressOf } from './client-address.js';
import type { OpenRequests } from '../limits/open-requests.js';
import type { RequestHead } from './request-head.js';

/** What a refusal for open requests suggests: they are answered within a call's time. */
export const OPEN_REQUESTS_RETRY_AFTER_MS = 1_000;

/** Answers a refused verdict; true when the request may go on. */
export function admitVerdict(reply: Reply, verdict: GuardVerdict): boolean {
  if (verdict.ok) return true;
  const what = verdict.reason === 'origin' ? 'Origin' : 'Host';
  const setting = verdict.reason === 'origin' ? 'listen.allowedOrigins' : 'listen.allowedHosts';
  rejectWith(reply, verdict.reason === 'origin' ? 'GW_ERR_FORBIDDEN_ORIGIN' : 'GW_ERR_FORBIDDEN_HOST', `Forbidden: ${what} ${JSON.stringify(verdict.value)} is not allowed (add it to ${setting} if clients really use it)`);
  return false;
}

/** Checks a request's Origin and Host (read now: uWS's request object is only valid synchronously). */
export function admitRequest(guard: OriginGuard, req: HttpRequest, reply: Reply): boolean {
  return admitVerdict(reply, guard.check(req.getHeader('origin'), req.getHeader('host')));
}

/** Retry-After (whole seconds, at least 1) for an error whose data says when to retry. */
export function retryAfterHeaders(err: GatewayError): Headers {
  const ms = err.data?.retryAfterMs;
  return typeof ms === 'number' ? { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) } : undefined;
}

/** Answers a limit's refusal with its status, Retry-After and JSON-RPC error naming the limit. */
export function rejectLimit(reply: Reply, err: GatewayError, id: Parameters<typeof reject>[2] = null): void {
  reject(reply, err, id, undefined, retryAfterHeaders(err));
}

export class Edge {
  constructor(
    readonly guard: OriginGuard,
    readonly addressOf: AddressOf,
    readonly openRequests: OpenRequests,
  ) {}

  /**
   * The request-smuggling check (framing.ts) and the rebinding check, then a
   * slot for the client's address held until the reply is over. The client
   * address (read when first called), or undefined when refused (and
   * answered). Call synchronously in the handler: it reads `req` unless
   * given the head already read.
   */
  admit(res: HttpResponse, req: HttpRequest, reply: Reply, head: Pick<RequestHead, 'origin' | 'host' | 'framing'> = headerSubset(req)): (() => string) | undefined {
    if (refuseBadFraming(reply, head.framing)) return undefined;
    if (!admitVerdict(reply, this.guard.check(head.origin, head.host))) return undefined;
    const address = this.addressOf(res, req);
    const release = this.openRequests.acquire(address);
    if (!release) {
      rejectLimit(reply, new GatewayError('GW_ERR_CLIENT_LIMIT', 'Too Many Requests: this address has limits.concurrentRequestsPerAddress requests and streams open on this worker; finish some first', { limit: 'limits.concurrentRequestsPerAddress', retryAfterMs: OPEN_REQUESTS_RETRY_AFTER_MS }));
      return undefined;
    }
    reply.onSettled(release);
    return address;
  }
}

function headerSubset(req: HttpRequest): Pick<RequestHead, 'origin' | 'host' | 'framing'> {
  return { origin: req.getHeader('origin'), host: req.getHeader('host'), framing: framingProblem(req) };
}
