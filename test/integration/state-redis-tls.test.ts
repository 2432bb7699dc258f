/**
 * Redis over TLS in each topology (rediss://, rediss+cluster://,
 * rediss+sentinel://): servers that accept TLS only and require a client
 * certificate, a CA made by the test. The store works with the CA and the
 * client certificate the URL names, and never connects without them; the
 * name a certificate is checked against can be set; a gateway runs on it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/state/redis/redis-store.js';
import { sessionChannel, type BusMessage, type SessionRecord } from '../../src/state/store.js';
import { rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { startRedis, testTopologies, waitUntil } from '../helpers/redis.js';
import { makeTestCerts } from '../helpers/tls.js';

afterAll(stopAll);

const certs = makeTestCerts();

const record = (id: string): SessionRecord => ({
  id,
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'tls', version: '1' },
  principal: 'p',
  transport: 'streamable',
  logLevel: undefined,
  initialized: true,
  createdAt: 1,
  standaloneStream: 'g1',
  contextMode: 'full',
});

/** The URL with one query option replaced (or removed, with `value` undefined). */
function withOption(url: string, name: string, value: string | undefined): string {
  const [base, query = ''] = url.split('?') as [string, string?];
  const kept = query.split('&').filter((pair) => pair !== '' && !pair.startsWith(`${name}=`));
  if (value !== undefined) kept.push(`${name}=${encodeURIComponent(value)}`);
  return kept.length > 0 ? `${base}?${kept.join('&')}` : base;
}

describe.each(testTopologies())('Redis over TLS (%s)', (topology) => {
  it('works with the CA and client certificate the URL names, and never connects without them', async () => {
    const redis = await startRedis(topology, { tls: certs });
    expect(redis.url).toMatch(/^rediss/);
    const stores: RedisStore[] = [];
    const open = (url: string) => {
      const s = new RedisStore(url, 'tls:');
      stores.push(s);
      return s;
    };
    try {
      const [a, b] = [open(redis.url), open(redis.url)];
      expect(await a.ready(10_000)).toBe(true);
      expect(await b.ready(10_000)).toBe(true);
      await a.putSession(record('over-tls'), 60_000);
      expect((await b.getSession('over-tls'))?.clientInfo).toEqual({ name: 'tls', version: '1' });
      const seen: BusMessage[] = [];
      b.subscribe(sessionChannel('over-tls'), (m) => seen.push(m));
      await waitUntil('the subscription over TLS', async () => (await a.publish(sessionChannel('over-tls'), { t: 'record' })) === 1);
      const id = await a.appendEvent('over-tls', 'st', 'secret-free');
      await waitUntil('the event over TLS', async () => seen.some((m) => m.t === 'event' && m.id === id));

      // The servers require a client certificate, and the test's CA is the only one that signed theirs.
      const noClientCert = open(withOption(withOption(redis.url, 'cert', undefined), 'key', undefined));
      const otherCa = open(withOption(redis.url, 'ca', makeTestCerts().ca));
      const [withoutCert, withOtherCa] = await Promise.all([noClientCert.ready(3_000), otherCa.ready(3_000)]);
      expect(withoutCert).toBe(false);
      expect(withOtherCa).toBe(false);
      await expect(noClientCert.getSession('over-tls')).rejects.toThrow(/shared state store unavailable/);
    } finally {
      for (const s of stores) await s.close();
      await redis.stop();
    }
  }, 90_000);
});

describe('Redis over TLS, one endpoint', () => {
  it('checks the certificate against servername when given; a gateway runs on rediss://', async () => {
    const redis = await startRedis('single', { tls: certs });
    const right = new RedisStore(withOption(redis.url, 'servername', 'localhost'), 'tls:');
    const wrong = new RedisStore(withOption(redis.url, 'servername', 'not-this-server.example'), 'tls:');
    try {
      expect(await right.ready(5_000)).toBe(true);
      expect(await wrong.ready(3_000)).toBe(false);
    } finally {
      await right.close();
      await wrong.close();
    }
    const gateway = await startGateway(`servers:\n${fixtureServer('box', 'toolbox-server.js')}\n`, { workers: 2, extraArgs: ['--redis', redis.url] });
    await waitUntil('the gateway to reach Redis over TLS', async () => ((await (await fetch(`${gateway.base}/health`)).json()) as { status: string }).status === 'up');
    const sid = await rawSession(gateway.url);
    await waitUntil('the session in Redis', async () => (await redis.scan('o1m:')).some((k) => k.includes(sid)));
    await gateway.stop();
    await redis.stop();
  }, 90_000);
});
