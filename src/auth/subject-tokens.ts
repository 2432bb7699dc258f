/**
 * The token a JWT principal authenticated with, for RFC 8693 token exchange
 * only (upstream-credentials.ts). Kept beside the Principal, never on it:
 * the Principal travels through the request context, the router and the
 * session record, and a token there could reach a log line or a backend.
 * Weakly held, so it lives exactly as long as the gate's cached Principal.
 */
import type { Principal } from './principal.js';

const tokens = new WeakMap<Principal, string>();

export function rememberSubjectToken(principal: Principal, token: string): void {
  tokens.set(principal, token);
}

export function subjectTokenOf(principal: Principal): string | undefined {
  return tokens.get(principal);
}
