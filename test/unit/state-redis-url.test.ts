/**
 * The Redis setting (redis-url.ts): every form parsed into what the client
 * connects to, every refusal with its exact message, no message repeating a
 * password, and redaction for logs.
 */
import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactRedisUrl, RedisUrlError, MAX_REDIS_URL_HOSTS } from '../../src/state/redis/redis-url.js';
import { readTlsFiles } from '../../src/state/redis/connect.js';
import { checkRedisFiles } from '../../src/state/redis/check-files.js';
import { storeSettingProblem, redactStoreSetting } from '../../src/state/store-setting.js';
import { KeySpace, SCOPE } from '../../src/state/redis/key-space.js';

function problem(value: string): string {
  try {
    parseRedisUrl(value);
  } catch (err) {
    if (err instanceof RedisUrlError) return err.message;
    throw err;
  }
  throw new Error(`${value} parsed`);
}

describe('Redis URL forms', () => {
  it('one endpoint: host, default port, database, ACL user and password (percent-decoded)', () => {
    expect(parseRedisUrl('redis://cache.internal')).toEqual({ topology: 'single', endpoints: [{ host: 'cache.internal', port: 6379 }] });
    expect(parseRedisUrl('redis://gw:p%40ss%2Fw%3Ard@10.0.0.5:6380/2')).toEqual({ topology: 'single', endpoints: [{ host: '10.0.0.5', port: 6380 }], username: 'gw', password: 'p@ss/w:rd', db: 2 });
    expect(parseRedisUrl('redis://:only-a-password@h')).toMatchObject({ password: 'only-a-password' });
    expect(parseRedisUrl('redis://only-a-user@h')).toMatchObject({ username: 'only-a-user' });
    expect(parseRedisUrl('redis://[::1]:7000')).toMatchObject({ endpoints: [{ host: '::1', port: 7000 }] });
    expect(parseRedisUrl('REDIS://H:1')).toMatchObject({ topology: 'single', endpoints: [{ host: 'H', port: 1 }] });
  });

  it('TLS: rediss:// with CA, client certificate and the name to check, or none of them', () => {
    expect(parseRedisUrl('rediss://h:6380')).toEqual({ topology: 'single', endpoints: [{ host: 'h', port: 6380 }], tls: { ca: undefined, cert: undefined, key: undefined, servername: undefined } });
    expect(parseRedisUrl('rediss://h?ca=/etc/ca.pem&cert=/etc/c.pem&key=/etc/k.pem&servername=redis.example').tls).toEqual({ ca: '/etc/ca.pem', cert: '/etc/c.pem', key: '/etc/k.pem', servername: 'redis.example' });
    expect(parseRedisUrl('rediss://h?ca=%2Fpath%20with%20space%2Fca.pem').tls?.ca).toBe('/path with space/ca.pem');
  });

  it('Sentinel: sentinels (default port 26379), master name, data-node and sentinel credentials', () => {
    expect(parseRedisUrl('redis+sentinel://gw:pw@s1,s2:26380,10.0.0.3/mymaster?sentinelUser=sadmin&sentinelPassword=s%3Apw')).toEqual({
      topology: 'sentinel',
      endpoints: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }, { host: '10.0.0.3', port: 26379 }],
      masterName: 'mymaster',
      username: 'gw',
      password: 'pw',
      sentinelUsername: 'sadmin',
      sentinelPassword: 's:pw',
    });
    expect(parseRedisUrl('rediss+sentinel://s1/m?ca=/ca.pem')).toMatchObject({ topology: 'sentinel', tls: { ca: '/ca.pem' } });
  });

  it('Cluster: seed nodes (default port 6379) and credentials', () => {
    expect(parseRedisUrl('redis+cluster://gw:pw@n1:7000,n2:7001,n3')).toEqual({
      topology: 'cluster',
      endpoints: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }, { host: 'n3', port: 6379 }],
      username: 'gw',
      password: 'pw',
    });
    expect(parseRedisUrl('rediss+cluster://n1:7000/').topology).toBe('cluster');
  });

  it('a unix socket', () => {
    expect(parseRedisUrl('unix:///run/redis/redis.sock')).toEqual({ topology: 'single', endpoints: [], socket: '/run/redis/redis.sock' });
  });
});

describe('Redis URL refusals', () => {
  const cases: [string, string][] = [
    ['http://h:6379', 'expected a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster://, rediss+cluster:// or unix:// URL'],
    ['localhost:6379', 'expected a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster://, rediss+cluster:// or unix:// URL'],
    ['redis://', 'redis:// names no host'],
    ['redis+cluster://gw:pw@', 'redis+cluster:// names no host'],
    [`redis+cluster://${Array.from({ length: MAX_REDIS_URL_HOSTS + 1 }, (_, i) => `n${i}`).join(',')}`, `at most ${MAX_REDIS_URL_HOSTS} hosts, got ${MAX_REDIS_URL_HOSTS + 1}`],
    ['redis+cluster://n1,,n2', 'an empty host in the host list (two commas, or a comma at an end)'],
    ['redis+cluster://n1,', 'an empty host in the host list (two commas, or a comma at an end)'],
    ['redis://bad_host:6379', '"bad_host" is not a host name or IP address'],
    ['redis://[::1', '"[::1" is not a host name or IP address'],
    ['redis://[::1]x', '"[::1]x" is not a host name or IP address'],
    ['redis://[zz]:1', '"[zz]:1" is not a host name or IP address'],
    ['redis://h:0', 'port "0" of h must be an integer from 1 to 65535'],
    ['redis://h:65536', 'port "65536" of h must be an integer from 1 to 65535'],
    ['redis://h:six', 'port "six" of h must be an integer from 1 to 65535'],
    ['redis://h:', 'port "" of h must be an integer from 1 to 65535'],
    ['redis://h1,h2', 'redis:// takes one host; several hosts need redis+sentinel:// or redis+cluster://'],
    ['rediss://h1,h2', 'rediss:// takes one host; several hosts need rediss+sentinel:// or rediss+cluster://'],
    ['redis://h/zero', 'the path of redis:// is a database number, got "/zero"'],
    ['redis+sentinel://s1:26379', "redis+sentinel:// needs the master's name as its path: redis+sentinel://host:26379/mymaster"],
    ['redis+sentinel://s1/', "redis+sentinel:// needs the master's name as its path: redis+sentinel://host:26379/mymaster"],
    ['redis+sentinel://s1/a/b', 'the path of redis+sentinel:// is the master\'s name alone, got "/a/b"'],
    ['redis+cluster://n1/0', 'redis+cluster:// takes no path (a cluster has database 0 only)'],
    ['redis://gw:%zz@h', 'the password is not valid percent-encoding'],
    ['redis://%zz:pw@h', 'the user name is not valid percent-encoding'],
    ['redis+sentinel://s1/%zz', "the master's name is not valid percent-encoding"],
    ['rediss://h?%zz=1', 'an option name is not valid percent-encoding'],
    ['rediss://h?ca=%zz', 'the value of ca is not valid percent-encoding'],
    ['redis://:@h', 'the credentials before "@" are empty: give user:password, :password, or nothing'],
    ['redis://@h', 'the credentials before "@" are empty: give user:password, :password, or nothing'],
    ['redis://h?timeout=5', 'unknown option "timeout"; the options are ca, cert, key, servername, sentinelUser, sentinelPassword'],
    ['rediss://h?ca=/a.pem&ca=/b.pem', 'option ca is given twice'],
    ['rediss://h?ca=', 'option ca needs a value'],
    ['rediss://h?servername', 'option servername needs a value'],
    ['redis://h?ca=/ca.pem', 'ca is a TLS option: use rediss://'],
    ['redis+cluster://h?servername=x', 'servername is a TLS option: use rediss+cluster://'],
    ['redis+sentinel://s/m?cert=/c.pem&key=/k.pem', 'cert is a TLS option: use rediss+sentinel://'],
    ['redis://h?sentinelPassword=x', 'sentinelPassword applies to redis+sentinel:// and rediss+sentinel:// only'],
    ['rediss+cluster://h?sentinelUser=x', 'sentinelUser applies to redis+sentinel:// and rediss+sentinel:// only'],
    ['rediss://h?ca=certs/ca.pem', 'ca must be an absolute file path, got "certs/ca.pem"'],
    ['rediss://h?cert=/c.pem', 'cert and key go together: give both (a client certificate) or neither'],
    ['rediss://h?key=/k.pem', 'cert and key go together: give both (a client certificate) or neither'],
    ['unix://', 'unix:// takes an absolute socket path and nothing else: unix:///run/redis/redis.sock'],
    ['unix:///', 'unix:// takes an absolute socket path and nothing else: unix:///run/redis/redis.sock'],
    ['unix://host/redis.sock', 'unix:// takes an absolute socket path and nothing else: unix:///run/redis/redis.sock'],
    ['unix://:pw@/redis.sock', 'unix:// takes an absolute socket path and nothing else: unix:///run/redis/redis.sock'],
    ['unix:///redis.sock?db=1', 'unix:// takes an absolute socket path and nothing else: unix:///run/redis/redis.sock'],
  ];
  it.each(cases)('%s', (value, message) => {
    expect(problem(value)).toBe(message);
  });

  it('never repeats a password, whatever else is wrong', () => {
    const secret = 'Sup3rS3cret';
    for (const value of [
      `redis://gw:${secret}@bad_host`,
      `redis://gw:${secret}@h1,h2`,
      `redis://gw:${secret}@h:99999`,
      `redis+sentinel://gw:${secret}@s1`,
      `rediss://gw:${secret}@h?ca=relative.pem`,
      `redis+sentinel://s/m?sentinelPassword=${secret}&bogus=1`,
      `http://gw:${secret}@h`,
    ]) {
      expect(problem(value)).not.toContain(secret);
    }
  });
});

describe('the store setting', () => {
  it('accepts "memory" and every Redis form; names everything accepted when the scheme is wrong', () => {
    expect(storeSettingProblem('memory')).toBeUndefined();
    expect(storeSettingProblem('redis+cluster://n1,n2')).toBeUndefined();
    expect(storeSettingProblem('mem')).toBe(
      'expected a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster://, rediss+cluster:// or unix:// URL, or "memory" for in-process state (one worker)',
    );
    expect(storeSettingProblem('redis+cluster://n1/3')).toBe('redis+cluster:// takes no path (a cluster has database 0 only)');
  });
});

describe('redaction for logs', () => {
  it('masks passwords in the userinfo and in sentinelPassword, keeps the rest', () => {
    expect(redactRedisUrl('redis://gw:p%40ss@h:6379/1')).toBe('redis://gw:***@h:6379/1');
    expect(redactRedisUrl('redis://:pw@h')).toBe('redis://:***@h');
    // A lone "user@" may be a password written in the user's place.
    expect(redactRedisUrl('redis://maybe-a-password@h')).toBe('redis://***@h');
    expect(redactRedisUrl('redis+sentinel://gw:pw@s1,s2/m?sentinelUser=a&sentinelPassword=spw')).toBe('redis+sentinel://gw:***@s1,s2/m?sentinelUser=a&sentinelPassword=***');
    expect(redactRedisUrl('rediss+cluster://n1,n2?ca=/ca.pem')).toBe('rediss+cluster://n1,n2?ca=/ca.pem');
    expect(redactRedisUrl('unix:///tmp/r.sock')).toBe('unix:///tmp/r.sock');
    expect(redactStoreSetting('memory')).toBe('memory');
  });

  it('masks what looks like credentials in a string that does not parse', () => {
    expect(redactRedisUrl('//gw:pw@h')).toBe('//***@h');
  });
});

describe('TLS files', () => {
  it('says which file cannot be read, at start', () => {
    expect(() => readTlsFiles({ ca: '/nonexistent/ca.pem' })).toThrow(new RedisUrlError('cannot read the TLS ca file "/nonexistent/ca.pem" (ENOENT)'));
    expect(() => checkRedisFiles('rediss://h?cert=/nonexistent/c.pem&key=/nonexistent/k.pem')).toThrow(new RedisUrlError('redis: cannot read the TLS cert file "/nonexistent/c.pem" (ENOENT)'));
    expect(() => checkRedisFiles('redis://h')).not.toThrow();
    expect(() => checkRedisFiles('memory')).not.toThrow();
    expect(() => checkRedisFiles(undefined)).not.toThrow();
  });
});

describe('key names', () => {
  it('put the scope in braces, so every key and the channel of one scope share a cluster slot', () => {
    const keys = new KeySpace('o1m:');
    expect(keys.key(SCOPE.session('abc'), 'rec')).toBe('o1m:{s:abc}:rec');
    expect(keys.key(SCOPE.session('abc'), 'log')).toBe('o1m:{s:abc}:log');
    expect(keys.channel(SCOPE.session('abc'))).toBe('o1m:{s:abc}');
    expect(keys.key(SCOPE.breakers, 'github')).toBe('o1m:{br}:github');
    expect(keys.channel(SCOPE.breakers)).toBe('o1m:{br}');
    expect(keys.key(SCOPE.caller('list:fp:tools'), 'lock')).toBe('o1m:{c:list:fp:tools}:lock');
    expect(keys.key(SCOPE.gateway, 'statekey')).toBe('o1m:{g}:statekey');
  });

  it('refuse a prefix with braces (it would move the hash tag)', () => {
    expect(() => new KeySpace('o1m{x}:')).toThrow('a Redis key prefix may not contain "{" or "}", got "o1m{x}:"');
  });
});
