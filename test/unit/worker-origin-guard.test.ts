import { describe, expect, it } from 'vitest';
import { createOriginGuard, isLoopbackBind, isLoopbackName } from '../../src/worker/http/origin-guard.js';
import type { ListenConfig } from '../../src/config/model.js';

function guard(overrides: Partial<ListenConfig> = {}) {
  return createOriginGuard({ host: '127.0.0.1', port: 7323, allowedOrigins: [], allowedHosts: [], maxBodyBytes: 1024, trustProxy: false, ...overrides });
}

const OK = { ok: true };

describe('isLoopbackBind', () => {
  it('knows loopback names and 127/8 dotted quads, exactly', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '[::1]'].map(isLoopbackBind)).toEqual([true, true, true, true, true, true]);
    expect(['0.0.0.0', '::', '192.168.1.5', 'example.com'].map(isLoopbackBind)).toEqual([false, false, false, false]);
  });
});

describe('isLoopbackName', () => {
  it('refuses look-alikes of loopback: names that start with 127., hex and short forms, bad octets', () => {
    const lookAlikes = ['127.evil.example', '127.0.0.1.evil.example', 'localhost.evil.example', '0x7f.1', '0x7f000001', '127.1', '2130706433', '127.0.0.256', '127.0.0.01', '127.0.0', '[::1].evil', '::1', 'localhost.', '127.0.0.1.'];
    expect(lookAlikes.filter(isLoopbackName)).toEqual([]);
  });
});

describe('origin check', () => {
  it('lets requests without an Origin through (non-browser clients)', () => {
    expect(guard().check('', 'localhost:7323')).toEqual(OK);
  });

  it('allows loopback origins over http and https, any port', () => {
    const g = guard();
    for (const origin of ['http://localhost:3000', 'https://localhost', 'http://127.0.0.1:8080', 'http://[::1]:5173', 'HTTP://LOCALHOST:3000']) {
      expect(g.check(origin, '127.0.0.1:7323'), origin).toEqual(OK);
    }
  });

  it('refuses any other origin, reporting it as sent', () => {
    const g = guard();
    expect(g.check('https://evil.example', '127.0.0.1:7323')).toEqual({ ok: false, reason: 'origin', value: 'https://evil.example' });
    expect(g.check('http://localhost.evil.example', '127.0.0.1:7323')).toMatchObject({ ok: false, reason: 'origin' });
  });

  it('refuses opaque and non-http loopback origins', () => {
    const g = guard();
    expect(g.check('null', '127.0.0.1')).toEqual({ ok: false, reason: 'origin', value: 'null' });
    expect(g.check('file://localhost', '127.0.0.1')).toMatchObject({ ok: false, reason: 'origin' });
    expect(g.check('ws://localhost:3000', '127.0.0.1')).toMatchObject({ ok: false, reason: 'origin' });
  });

  it('allows configured origins, ignoring case and a trailing slash on either side', () => {
    const g = guard({ allowedOrigins: ['https://App.Example.com/'] });
    expect(g.check('https://app.example.com', '127.0.0.1')).toEqual(OK);
    expect(g.check('https://APP.example.com/', '127.0.0.1')).toEqual(OK);
    expect(g.check('https://app.example.com:8443', '127.0.0.1')).toMatchObject({ ok: false, reason: 'origin' });
  });

  it("'*' turns the origin check off", () => {
    expect(guard({ allowedOrigins: ['*'] }).check('https://anything.example', 'localhost')).toEqual(OK);
  });

  it('checks the origin before the host', () => {
    expect(guard().check('https://evil.example', 'evil.example')).toMatchObject({ reason: 'origin' });
  });

  it('allows an origin on any 127/8 address, as the host check does', () => {
    expect(guard().check('http://127.0.0.2:3000', '127.0.0.1:7323')).toEqual(OK);
  });

  it('refuses rebinding look-alike origins, including forms a URL parser would rewrite to 127.0.0.1', () => {
    const g = guard();
    for (const origin of ['http://127.evil.example', 'http://127.0.0.1.evil.example:7323', 'http://localhost.evil.example', 'http://0x7f.1', 'http://2130706433', 'http://127.1', 'http://[::1].evil', 'http://localhost:3000/path', 'http://user@localhost']) {
      expect(g.check(origin, '127.0.0.1:7323'), origin).toMatchObject({ ok: false, reason: 'origin' });
    }
  });
});

describe('host check', () => {
  it('on a loopback bind, allows loopback names with or without a port', () => {
    const g = guard();
    for (const host of ['localhost', 'localhost:7323', '127.0.0.1:7323', '127.9.9.9', '[::1]:7323', '[::1]', ' LOCALHOST:7323 ']) {
      expect(g.check('', host), host).toEqual(OK);
    }
  });

  it('on a loopback bind, refuses look-alikes of loopback names', () => {
    const g = guard();
    for (const host of ['127.evil.example', '127.0.0.1.evil.example', '127.0.0.1.evil.example:7323', 'localhost.evil.example', '0x7f.1', '[::1].evil', '127.0.0.1:evil', '10.0.0.1']) {
      expect(g.check('', host), host).toMatchObject({ ok: false, reason: 'host' });
    }
  });

  it('on a non-loopback bind with allowed hosts, also admits IP literals (probes by address) but not look-alike names', () => {
    const g = guard({ host: '0.0.0.0', allowedHosts: ['mcp.example.com'] });
    expect(g.check('', '10.1.2.3:7323')).toEqual(OK);
    expect(g.check('', '[fd00::5]:7323')).toEqual(OK);
    expect(g.check('', '127.evil.example')).toMatchObject({ ok: false, reason: 'host' });
    expect(g.check('', '0x7f.1')).toMatchObject({ ok: false, reason: 'host' });
  });

  it('the strict host check applies whatever the bind (admin routes)', () => {
    const g = guard({ host: '0.0.0.0' });
    expect(g.check('', '127.0.0.1.evil.example')).toEqual(OK);
    expect(g.checkHostStrict('127.0.0.1.evil.example')).toMatchObject({ ok: false, reason: 'host' });
    expect(g.checkHostStrict('localhost:7323')).toEqual(OK);
  });

  it('on a loopback bind, refuses other names (DNS rebinding) and a missing Host', () => {
    const g = guard({ host: 'localhost' });
    expect(g.check('', 'evil.example:7323')).toEqual({ ok: false, reason: 'host', value: 'evil.example:7323' });
    expect(g.check('', '')).toEqual({ ok: false, reason: 'host', value: '' });
    expect(g.check('', '[::2]:7323')).toMatchObject({ ok: false, reason: 'host' });
  });

  it('allows configured hosts by name (any port) or by exact host:port', () => {
    const g = guard({ allowedHosts: ['Gateway.Internal', 'gw:8080'] });
    expect(g.check('', 'gateway.internal:7323')).toEqual(OK);
    expect(g.check('', 'GATEWAY.INTERNAL')).toEqual(OK);
    expect(g.check('', 'gw:8080')).toEqual(OK);
    expect(g.check('', 'gw:9090')).toMatchObject({ ok: false, reason: 'host', value: 'gw:9090' });
  });

  it('does not check the host on a non-loopback bind without allowed hosts', () => {
    expect(guard({ host: '0.0.0.0' }).check('', 'anything.example')).toEqual(OK);
  });

  it('checks the host on a non-loopback bind once allowed hosts are configured', () => {
    const g = guard({ host: '0.0.0.0', allowedHosts: ['mcp.example.com'] });
    expect(g.check('', 'mcp.example.com')).toEqual(OK);
    expect(g.check('', 'localhost:7323')).toEqual(OK);
    expect(g.check('', 'other.example.com')).toMatchObject({ ok: false, reason: 'host' });
  });
});
