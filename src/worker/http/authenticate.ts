/**
 * The front door's authentication, as HTTP sees it: the request's
 * credential headers go to the identity layer's gate (src/auth/gate.ts), and
 * a refusal becomes the reply the MCP authorization spec asks for (401 with
 * WWW-Authenticate naming the resource metadata, 403 for a token without the
 * needed scope, 503 while signing keys cannot be fetched), with an audit line.
 * Nothing past this point sees a token, only the Principal.
 */
import { failure } from '../../mcp/jsonrpc.js';
import type { Principal } from '../../auth/principal.js';
import type { Access } from '../../gateway/access.js';
import type { RequestHead } from './request-head.js';
import type { Reply } from './reply.js';

export interface Authenticator {
  /** The caller; undefined once the refusal was sent on `reply`. `what` names the request in the audit line ("POST /mcp"). */
  authenticate(head: RequestHead, reply: Reply, what: string): Promise<Principal | undefined>;
}

export function createAuthenticator(access: Access): Authenticator {
  return {
    async authenticate(head, reply, what) {
      const outcome = await access.current.gate.authenticate({ authorization: head.authorization, apiKey: head.apiKey });
      if (outcome.ok) return outcome.principal;
      access.record({ principal: undefined, method: what, outcome: outcome.status === 401 ? 'unauthenticated' : 'forbidden', code: outcome.error.errorName, reason: outcome.error.message });
      if (!reply.done) {
        const headers: Record<string, string> = outcome.wwwAuthenticate === undefined ? {} : { 'www-authenticate': outcome.wwwAuthenticate };
        if (outcome.status === 503) headers['retry-after'] = '5';
        reply.json(outcome.status, JSON.stringify(failure(null, outcome.error.toJsonRpc())), headers);
      }
      return undefined;
    },
  };
}
