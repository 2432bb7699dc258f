/**
 * DNS-rebinding protection, on by default, by exact name.
 *
 * A web page on evil.example can resolve its own name to 127.0.0.1 (or to
 * any address the browser reaches) and have the browser talk to a local
 * gateway as if it were its own origin. Such a request names the
 * attacker's domain in Host (and in Origin, which browsers send on every
 * cross-origin request and on same-origin POSTs). So: an Origin that is
 * present must be a loopback origin or explicitly allowed; a Host on a
 * loopback-bound gateway (or once allowedHosts is set) must be a loopback
 * name or explicitly allowed. Non-browser clients send no Origin.
 *
 * Loopback is exactly `localhost`, a dotted-quad 127.0.0.0/8 literal with
 * four decimal octets of 0-255 (no leading zeros, no hex or short forms:
 * `127.evil.example`, `127.0.0.1.evil.example` and `0x7f.1` are names an
 * attacker can register or a resolver may read differently), and `[::1]`.
 * On a gateway bound beyond loopback, IP-literal Hosts pass too (probes by
 * address; no rebinding uses one). Origins are parsed by hand, not with `new URL`, which would turn
 * `http://0x7f.1` into `http://127.0.0.1` and let a look-alike pass.
 */
import { isIP } from 'node:net';
import type { ListenConfig } from '../../config/model.js';

export type GuardVerdict = { ok: true } | { ok: false; reason: 'origin' | 'host'; value: string };

export interface OriginGuard {
  check(origin: string, host: string): GuardVerdict;
  /** The Host check alone, always applied (admin routes: loopback peers, whatever the bind). */
  checkHostStrict(host: string): GuardVerdict;
}

const OK: GuardVerdict = Object.freeze({ ok: true });
/** Distinct Host values whose verdict a guard remembers. */
const HOST_MEMO_ENTRIES = 256;
const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** A 127.0.0.0/8 literal written as four decimal octets, each 0-255. */
function isLoopbackQuad(name: string): boolean {
  const parts = name.split('.');
  if (parts.length !== 4 || parts[0] !== '127') return false;
  return parts.every((p) => OCTET.test(p) && Number(p) <= 255);
}

/** Exactly `localhost`, a 127/8 dotted quad, or `[::1]` (lower-case, no port). */
export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name === '[::1]' || isLoopbackQuad(name);
}

/** A bind address on loopback only (`listen.host`; `::1` is written without brackets there). */
export function isLoopbackBind(host: string): boolean {
  const h = host.toLowerCase();
  return h === '::1' || isLoopbackName(h);
}

/** The host name of a Host header value: lower-case, without its port; '' when malformed. */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end === -1) return '';
    const rest = h.slice(end + 1);
    return rest === '' || /^:[0-9]{1,5}$/.test(rest) ? h.slice(0, end + 1) : '';
  }
  const colon = h.indexOf(':');
  if (colon === -1) return h;
  return /^[0-9]{1,5}$/.test(h.slice(colon + 1)) ? h.slice(0, colon) : '';
}

/** A canonical IPv4 dotted quad or a bracketed IPv6 address. */
function isIpLiteral(name: string): boolean {
  if (name.startsWith('[')) return name.endsWith(']') && isIP(name.slice(1, -1)) === 6;
  const parts = name.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p) && Number(p) <= 255);
}

/** scheme://host[:port] with nothing after (an Origin never has a path); undefined otherwise. */
function parseOrigin(origin: string): { scheme: string; host: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[^/:[\]@?#]+)(?::[0-9]{1,5})?$/.exec(origin);
  return m ? { scheme: m[1]!, host: m[2]! } : undefined;
}

export function createOriginGuard(listen: ListenConfig): OriginGuard {
  const anyOrigin = listen.allowedOrigins.includes('*');
  const origins = new Set(listen.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  const hosts = new Set(listen.allowedHosts.map((h) => h.toLowerCase()));
  // On a non-loopback bind the gateway is meant to be reached by other names; the Host check
  // then needs the names (listen.allowedHosts). The Origin check always applies.
  const checkHost = isLoopbackBind(listen.host) || hosts.size > 0;
  // Probes and scrapes on a gateway bound beyond loopback come by address (a Kubernetes probe's
  // Host is the pod IP). An IP literal cannot be a rebinding: that attack needs a name whose
  // answer the attacker controls. On a loopback bind there is no such caller, so none is admitted.
  const ipLiterals = !isLoopbackBind(listen.host);
  const hostAllowed = (host: string): boolean => {
    const name = hostnameOf(host);
    if (name === '') return false;
    return isLoopbackName(name) || hosts.has(name) || hosts.has(host.trim().toLowerCase()) || (ipLiterals && isIpLiteral(name));
  };
  // Every request asks, and clients send a handful of Host values: the verdicts are memoised
  // (bounded, as a hostile client may send many).
  const memo = new Map<string, GuardVerdict>();
  const hostVerdict = (host: string): GuardVerdict => {
    let verdict = memo.get(host);
    if (verdict === undefined) {
      verdict = hostAllowed(host) ? OK : { ok: false, reason: 'host', value: host };
      if (memo.size >= HOST_MEMO_ENTRIES) memo.clear();
      memo.set(host, verdict);
    }
    return verdict;
  };
  return {
    check(origin, host) {
      if (origin !== '' && !anyOrigin) {
        const o = origin.trim().toLowerCase().replace(/\/$/, '');
        let allowed = origins.has(o);
        if (!allowed) {
          const parsed = parseOrigin(o);
          allowed = parsed !== undefined && (parsed.scheme === 'http' || parsed.scheme === 'https') && isLoopbackName(parsed.host);
        }
        if (!allowed) return { ok: false, reason: 'origin', value: origin };
      }
      return checkHost ? hostVerdict(host) : OK;
    },
    checkHostStrict: hostVerdict,
  };
}
