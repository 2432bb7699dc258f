/** Writing a rejection that happens before (or instead of) a JSON-RPC exchange. */
import { GatewayError } from '../../mcp/errors.js';
import { failure, type JsonRpcId } from '../../mcp/jsonrpc.js';
import type { Headers, Reply } from './reply.js';

export function reject(reply: Reply, error: GatewayError, id: JsonRpcId | null = null, status = error.spec.http, headers?: Headers): void {
  reply.json(status, JSON.stringify(failure(id, error.toJsonRpc())), headers);
}

export function rejectWith(reply: Reply, name: ConstructorParameters<typeof GatewayError>[0], message: string, id: JsonRpcId | null = null, headers?: Headers): void {
  reject(reply, new GatewayError(name, message), id, undefined, headers);
}

/** Refuses a request whose body framing is a smuggling shape (request-head.ts `framing`); true when refused. */
export function refuseBadFraming(reply: Reply, framing: string | undefined): boolean {
  if (framing === undefined) return false;
  rejectWith(reply, 'GW_ERR_BAD_FRAMING', `Bad Request: ${framing}`, null, { connection: 'close' });
  return true;
}

/** Distinct Accept values remembered; clients send a handful, so this only bounds a hostile one. */
const ACCEPT_MEMO_ENTRIES = 256;
const acceptMemo = new Map<string, boolean>();

/** True when an Accept header admits this media type (or a wildcard). Memoised: every POST asks twice. */
export function accepts(accept: string, type: string): boolean {
  const key = `${type}\n${accept}`;
  let verdict = acceptMemo.get(key);
  if (verdict === undefined) {
    verdict = parseAccepts(accept, type);
    if (acceptMemo.size >= ACCEPT_MEMO_ENTRIES) acceptMemo.clear();
    acceptMemo.set(key, verdict);
  }
  return verdict;
}

function parseAccepts(accept: string, type: string): boolean {
  if (accept === '') return false;
  const [major] = type.split('/');
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';');
    const media = range!.trim().toLowerCase();
    // q=0 means "not acceptable" (RFC 9110 §12.4.2).
    if (params.some((p) => /^\s*q\s*=\s*0(\.0{0,3})?\s*$/i.test(p))) continue;
    if (media === type || media === '*/*' || media === `${major}/*`) return true;
  }
  return false;
}
