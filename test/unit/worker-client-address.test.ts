import { describe, expect, it } from 'vitest';
import { forwardedClient, trustedProxies } from '../../src/worker/http/client-address.js';

const blocks = trustedProxies(['10.0.0.0/8', '192.168.1.1', 'fd00::/8']);
const trusted = (a: string) => blocks.check(a, a.includes(':') ? 'ipv6' : 'ipv4');

describe('forwardedClient (listen.trustProxy)', () => {
  it('a peer that is not a trusted proxy is the client, whatever it forwards', () => {
    expect(forwardedClient('203.0.113.5', '1.2.3.4', trusted)).toBe('203.0.113.5');
  });

  it('takes the right-most entry that is not a trusted proxy, ignoring what the client wrote to its left', () => {
    expect(forwardedClient('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.1.1.1', trusted)).toBe('198.51.100.7');
    expect(forwardedClient('192.168.1.1', ' 198.51.100.7 ', trusted)).toBe('198.51.100.7');
    expect(forwardedClient('fd00::1', '2001:db8::5', trusted)).toBe('2001:db8::5');
  });

  it('stops at a malformed entry: the last address a trusted proxy vouched for stands', () => {
    expect(forwardedClient('10.0.0.2', 'evil, not-an-ip', trusted)).toBe('10.0.0.2');
    expect(forwardedClient('10.0.0.2', '198.51.100.7, 10.0.0.9, unknown', trusted)).toBe('10.0.0.2');
  });

  it('all hops trusted: the left-most one is the client', () => {
    expect(forwardedClient('10.0.0.2', '10.0.0.3, 10.0.0.4', trusted)).toBe('10.0.0.3');
  });

  it('trustProxy: true trusts the peer alone, so the right-most entry is the client', () => {
    const peer = '127.0.0.1';
    expect(forwardedClient(peer, '6.6.6.6, 198.51.100.7', (a) => a === peer)).toBe('198.51.100.7');
  });
});
