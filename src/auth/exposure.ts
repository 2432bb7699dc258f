/**
 * The safe default at start: a gateway that anyone on the network can reach
 * must authenticate. Listening beyond loopback with no authentication mode
 * (no API keys, no JWT) is refused unless the operator says so explicitly:
 * `--allow-unauthenticated`, or `auth.allowUnauthenticated: true`.
 */
import net from 'node:net';
import type { AuthConfig } from '../config/auth-model.js';

/** Names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Why the gateway must not start, or undefined when it may. */
export function exposureProblem(host: string, auth: AuthConfig, allowUnauthenticatedFlag: boolean): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  const authenticates = auth.apiKeys.length > 0 || auth.jwt !== undefined;
  if (authenticates || allowUnauthenticatedFlag || (auth.enabled && auth.allowUnauthenticated)) return undefined;
  return (
    `refusing to listen on ${host} without authentication: anyone who reaches it could use every tool. ` +
    'Configure auth (apiKeys or jwt), listen on 127.0.0.1, or accept the risk with --allow-unauthenticated (config: auth.allowUnauthenticated: true)'
  );
}
