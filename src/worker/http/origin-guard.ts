/**
 * DNS-rebinding protection, on by default.
 *
 * A web page on evil.example can resolve its own name to 127.0.0.1 and have
 * the browser talk to a local gateway. Browsers always send Origin on such
 * requests and the Host header names the attacker's domain, so: an Origin
 * that is present must be a loopback origin or explicitly allowed; a Host on
 * a loopback-bound gateway must be a loopback name or explicitly allowed.
 * Non-browser clients send no Origin and are unaffected.
 */
import type { ListenConfig } from '../../config/model.js';

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export type GuardVerdict = { ok: true } | { ok: false; reason: 'origin' | 'host'; value: string };

export interface OriginGuard {
  check(origin: string, host: string): GuardVerdict;
}

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

export function isLoopbackBind(host: string): boolean {
  return LOOPBACK_HOSTNAMES.has(host) || host.startsWith('127.');
}

export function createOriginGuard(listen: ListenConfig): OriginGuard {
  const anyOrigin = listen.allowedOrigins.includes('*');
  const origins = new Set(listen.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  const hosts = new Set(listen.allowedHosts.map((h) => h.toLowerCase()));
  const checkHost = isLoopbackBind(listen.host) || hosts.size > 0;
  return {
    check(origin, host) {
      if (origin !== '' && !anyOrigin) {
        const o = origin.toLowerCase().replace(/\/$/, '');
        let allowed = origins.has(o);
        if (!allowed) {
          try {
            const url = new URL(o);
            allowed = (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackBind(url.hostname);
          } catch {
            allowed = false;
          }
        }
        if (!allowed) return { ok: false, reason: 'origin', value: origin };
      }
      if (checkHost) {
        const name = hostnameOf(host);
        if (!(LOOPBACK_HOSTNAMES.has(name) || name.startsWith('127.') || hosts.has(name) || hosts.has(host.toLowerCase()))) {
          return { ok: false, reason: 'host', value: host };
        }
      }
      return { ok: true };
    },
  };
}
