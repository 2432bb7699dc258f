/**
 * The client address the edge limits count by (src/worker/limits/).
 *
 * By default it is the TCP peer. Behind a load balancer every peer is the
 * balancer, so `listen.trustProxy` takes it from X-Forwarded-For instead:
 * each proxy appends the address it received the request from, so the
 * right-most entries were written by proxies we trust and everything to
 * their left by whoever sent the request. The client is the right-most
 * entry that is not a trusted proxy; entries further left could have been
 * forged by the client and are never read. With `true` only the peer is
 * trusted (the right-most entry is the client); with a list, a peer not in
 * it is the client itself and its X-Forwarded-For is ignored.
 * uWS shows JS the first X-Forwarded-For header only: a proxy that adds a
 * second header instead of appending must be configured to append.
 */
import { BlockList, isIP } from 'node:net';
import type { HttpRequest, HttpResponse } from './uws.js';

/** uWS writes IPv6 peers in full (0000:…:0001) and IPv4 ones mapped into IPv6 on a dual-stack socket. */
const MAPPED_V4 = /^(?:0000:){5}ffff:([0-9a-f]{4}):([0-9a-f]{4})$/i;

export function peerAddress(res: HttpResponse): string {
  const text = Buffer.from(res.getRemoteAddressAsText()).toString();
  const mapped = MAPPED_V4.exec(text);
  if (!mapped) return text;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function family(address: string): 'ipv4' | 'ipv6' | undefined {
  const f = isIP(address);
  return f === 4 ? 'ipv4' : f === 6 ? 'ipv6' : undefined;
}

export function trustedProxies(list: readonly string[]): BlockList {
  const blocks = new BlockList();
  for (const entry of list) {
    const slash = entry.indexOf('/');
    const base = slash === -1 ? entry : entry.slice(0, slash);
    const type = family(base) ?? 'ipv4';
    if (slash === -1) blocks.addAddress(base, type);
    else blocks.addSubnet(base, Number(entry.slice(slash + 1)), type);
  }
  return blocks;
}

/** The client address of `forwardedFor` given the peer, by the rule above; `trusted(addr)` says whether an address is a trusted proxy. */
export function forwardedClient(peer: string, forwardedFor: string, trusted: (address: string) => boolean): string {
  if (!trusted(peer)) return peer;
  let client = peer;
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    // A malformed entry ends the walk: the last address a trusted proxy vouched for stands.
    if (family(hop) === undefined) return client;
    client = hop;
    if (!trusted(hop)) return hop;
  }
  return client;
}

/**
 * How a worker finds a request's client address: called synchronously in
 * the handler (it reads X-Forwarded-For then, while uWS's request object is
 * valid), it returns a function that reads the peer when first asked
 * (open-requests.ts says why not at once) and remembers the answer. Asked
 * after the client went away, it answers UNKNOWN_ADDRESS.
 */
export type AddressOf = (res: HttpResponse, req: HttpRequest) => () => string;

/** The address of a request whose client went away before it was needed. */
export const UNKNOWN_ADDRESS = 'unknown';

function lazily(read: () => string): () => string {
  let known: string | undefined;
  return () => {
    if (known === undefined) {
      try {
        known = read();
      } catch {
        // uWS refuses access to a response that was aborted.
        known = UNKNOWN_ADDRESS;
      }
    }
    return known;
  };
}

export function clientAddressOf(trustProxy: boolean | readonly string[]): AddressOf {
  if (trustProxy === false || (Array.isArray(trustProxy) && trustProxy.length === 0)) return (res) => lazily(() => peerAddress(res));
  if (trustProxy === true) {
    // The peer (the balancer) is trusted; entries in the header are not.
    return (res, req) => {
      const header = req.getHeader('x-forwarded-for');
      return lazily(() => {
        const peer = peerAddress(res);
        return header === '' ? peer : forwardedClient(peer, header, (a) => a === peer);
      });
    };
  }
  const blocks = trustedProxies(trustProxy as readonly string[]);
  const trusted = (a: string) => {
    const f = family(a);
    return f !== undefined && blocks.check(a, f);
  };
  return (res, req) => {
    const header = req.getHeader('x-forwarded-for');
    return lazily(() => {
      const peer = peerAddress(res);
      return header === '' ? peer : forwardedClient(peer, header, trusted);
    });
  };
}
