/**
 * The Redis a gateway uses, as one string: what `--redis`, `REDIS_URL` and
 * the config key `redis` all accept, so a setting moves between the three
 * unchanged.
 *
 *   redis://[user:password@]host[:port][/db]             one endpoint
 *   rediss://...                                         the same over TLS
 *   redis+sentinel://[user:password@]host[:port][,host[:port]...]/masterName
 *   redis+cluster://[user:password@]host[:port][,host[:port]...]
 *   rediss+sentinel://..., rediss+cluster://...          TLS to every node
 *   unix:///path/to/redis.sock                           a local socket
 *
 * Options ride the query string: `ca`, `cert`, `key` (absolute paths of PEM
 * files; TLS schemes only), `servername` (the name a TLS certificate must
 * carry, when hosts are given by address), and for Sentinel `sentinelUser`
 * and `sentinelPassword` (the sentinels' own credentials; the userinfo is
 * the data nodes' ACL user). A URL query rather than an object form of the
 * config key: one syntax serves the flag, the variable and the file, and
 * the config file's `${VAR}` interpolation already keeps a password out of it.
 *
 * Pure: no file is read here (connect.ts reads the TLS files), so config
 * validation stays fast and side-effect free. No message repeats a password.
 */

export type RedisTopology = 'single' | 'sentinel' | 'cluster';

export interface RedisEndpoint {
  host: string;
  port: number;
}

/** PEM file paths and the certificate name to check; present for the TLS schemes, possibly empty. */
export interface RedisTlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  servername?: string | undefined;
}

export interface RedisTarget {
  topology: RedisTopology;
  /** single: the one endpoint; sentinel: the sentinels; cluster: the seed nodes. Empty for a unix socket. */
  endpoints: RedisEndpoint[];
  /** A unix socket path (single only). */
  socket?: string | undefined;
  /** Database number (single only; Sentinel masters and clusters use 0). */
  db?: number | undefined;
  /** Sentinel: the monitored master's name. */
  masterName?: string | undefined;
  /** ACL user and password of the data nodes (a password without user authenticates the default user). */
  username?: string | undefined;
  password?: string | undefined;
  sentinelUsername?: string | undefined;
  sentinelPassword?: string | undefined;
  tls?: RedisTlsFiles | undefined;
}

/** More hosts than this in one URL is a mistake; a handful of seeds finds a whole cluster. */
export const MAX_REDIS_URL_HOSTS = 64;
export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_SENTINEL_PORT = 26379;

const SCHEMES: Record<string, { topology: RedisTopology; tls: boolean }> = {
  'redis:': { topology: 'single', tls: false },
  'rediss:': { topology: 'single', tls: true },
  'redis+sentinel:': { topology: 'sentinel', tls: false },
  'rediss+sentinel:': { topology: 'sentinel', tls: true },
  'redis+cluster:': { topology: 'cluster', tls: false },
  'rediss+cluster:': { topology: 'cluster', tls: true },
};

const OPTIONS = ['ca', 'cert', 'key', 'servername', 'sentinelUser', 'sentinelPassword'] as const;
type OptionName = (typeof OPTIONS)[number];
const TLS_OPTIONS: readonly OptionName[] = ['ca', 'cert', 'key', 'servername'];
const PATH_OPTIONS: readonly OptionName[] = ['ca', 'cert', 'key'];
/** Query options whose value is a secret (masked by redactRedisUrl). */
const SECRET_OPTIONS: readonly string[] = ['sentinelPassword'];

export const REDIS_URL_RULE =
  'a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster://, rediss+cluster:// or unix:// URL';

/** A setting that cannot be used; the message names the part at fault and never repeats a password. */
export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUrlError';
  }
}

interface Parts {
  scheme: string;
  userinfo: string | undefined;
  hosts: string;
  path: string;
  query: string | undefined;
}

/** scheme://[userinfo@]hosts[/path][?query]: split by hand, since a WHATWG URL takes one host only. */
function split(value: string): Parts | undefined {
  const m = /^([a-z][a-z0-9+.-]*:)\/\/(.*)$/is.exec(value);
  if (!m) return undefined;
  const rest = m[2]!;
  const queryAt = rest.indexOf('?');
  const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const query = queryAt < 0 ? undefined : rest.slice(queryAt + 1);
  // A password may hold '/' only percent-encoded, so the authority ends at the first '/'.
  const slash = beforeQuery.indexOf('/');
  const authority = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const path = slash < 0 ? '' : beforeQuery.slice(slash);
  const at = authority.lastIndexOf('@');
  return { scheme: m[1]!.toLowerCase(), userinfo: at < 0 ? undefined : authority.slice(0, at), hosts: at < 0 ? authority : authority.slice(at + 1), path, query };
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError(`${what} is not valid percent-encoding`);
  }
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function endpoint(text: string, defaultPort: number): RedisEndpoint {
  let host: string;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new RedisUrlError(`"${text}" is not a host name or IP address`);
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new RedisUrlError(`"${text}" is not a host name or IP address`);
    port = after === '' ? undefined : after.slice(1);
    if (!/^[0-9A-Fa-f:.]+$/.test(host) || !host.includes(':')) throw new RedisUrlError(`"${text}" is not a host name or IP address`);
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? undefined : text.slice(colon + 1);
    if (!HOST_NAME.test(host)) throw new RedisUrlError(`"${host}" is not a host name or IP address`);
  }
  if (port === undefined) return { host, port: defaultPort };
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new RedisUrlError(`port "${port}" of ${host} must be an integer from 1 to 65535`);
  return { host, port: Number(port) };
}

function credentials(userinfo: string | undefined): { username?: string; password?: string } {
  if (userinfo === undefined) return {};
  const colon = userinfo.indexOf(':');
  const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'the user name');
  const password = colon < 0 ? undefined : decode(userinfo.slice(colon + 1), 'the password');
  if (user === '' && (password === undefined || password === '')) throw new RedisUrlError('the credentials before "@" are empty: give user:password, :password, or nothing');
  return { ...(user === '' ? {} : { username: user }), ...(password === undefined || password === '' ? {} : { password }) };
}

function options(query: string | undefined): Map<OptionName, string> {
  const out = new Map<OptionName, string>();
  if (query === undefined || query === '') return out;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq), 'an option name');
    if (!(OPTIONS as readonly string[]).includes(name)) throw new RedisUrlError(`unknown option "${name}"; the options are ${OPTIONS.join(', ')}`);
    const option = name as OptionName;
    if (out.has(option)) throw new RedisUrlError(`option ${option} is given twice`);
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1), `the value of ${option}`);
    if (value === '') throw new RedisUrlError(`option ${option} needs a value`);
    out.set(option, value);
  }
  return out;
}

/** Parses and checks a Redis URL; throws RedisUrlError with a message fit for the user. */
export function parseRedisUrl(value: string): RedisTarget {
  const parts = split(value);
  const scheme = parts ? SCHEMES[parts.scheme] : undefined;
  if (parts?.scheme === 'unix:') return unixSocket(parts);
  if (!parts || !scheme) throw new RedisUrlError(`expected ${REDIS_URL_RULE}`);
  const name = parts.scheme.slice(0, -1);
  if (parts.hosts === '') throw new RedisUrlError(`${name}:// names no host`);
  const list = parts.hosts.split(',');
  if (list.length > MAX_REDIS_URL_HOSTS) throw new RedisUrlError(`at most ${MAX_REDIS_URL_HOSTS} hosts, got ${list.length}`);
  if (list.some((h) => h === '')) throw new RedisUrlError('an empty host in the host list (two commas, or a comma at an end)');
  const endpoints = list.map((h) => endpoint(h, scheme.topology === 'sentinel' ? DEFAULT_SENTINEL_PORT : DEFAULT_REDIS_PORT));
  if (scheme.topology === 'single' && endpoints.length > 1) throw new RedisUrlError(`${name}:// takes one host; several hosts need ${scheme.tls ? 'rediss' : 'redis'}+sentinel:// or ${scheme.tls ? 'rediss' : 'redis'}+cluster://`);
  const target: RedisTarget = { topology: scheme.topology, endpoints, ...credentials(parts.userinfo) };

  const path = parts.path.replace(/^\//, '');
  if (scheme.topology === 'single' && path !== '') {
    if (!/^[0-9]{1,5}$/.test(path)) throw new RedisUrlError(`the path of ${name}:// is a database number, got "/${path}"`);
    target.db = Number(path);
  }
  if (scheme.topology === 'sentinel') {
    if (path === '') throw new RedisUrlError(`${name}:// needs the master's name as its path: ${name}://host:${DEFAULT_SENTINEL_PORT}/mymaster`);
    const master = decode(path, "the master's name");
    if (master.includes('/')) throw new RedisUrlError(`the path of ${name}:// is the master's name alone, got "/${path}"`);
    target.masterName = master;
  }
  if (scheme.topology === 'cluster' && path !== '') throw new RedisUrlError(`${name}:// takes no path (a cluster has database 0 only)`);

  const opts = options(parts.query);
  for (const [option, v] of opts) {
    if (TLS_OPTIONS.includes(option) && !scheme.tls) throw new RedisUrlError(`${option} is a TLS option: use ${name.replace(/^redis/, 'rediss')}://`);
    if ((option === 'sentinelUser' || option === 'sentinelPassword') && scheme.topology !== 'sentinel') throw new RedisUrlError(`${option} applies to redis+sentinel:// and rediss+sentinel:// only`);
    if (PATH_OPTIONS.includes(option) && !v.startsWith('/')) throw new RedisUrlError(`${option} must be an absolute file path, got "${v}"`);
  }
  if (opts.has('cert') !== opts.has('key')) throw new RedisUrlError('cert and key go together: give both (a client certificate) or neither');
  if (scheme.tls) target.tls = { ca: opts.get('ca'), cert: opts.get('cert'), key: opts.get('key'), servername: opts.get('servername') };
  if (opts.has('sentinelUser')) target.sentinelUsername = opts.get('sentinelUser');
  if (opts.has('sentinelPassword')) target.sentinelPassword = opts.get('sentinelPassword');
  return target;
}

function unixSocket(parts: Parts): RedisTarget {
  if (parts.userinfo !== undefined || parts.hosts !== '' || parts.query !== undefined || !parts.path.startsWith('/') || parts.path === '/') {
    throw new RedisUrlError('unix:// takes an absolute socket path and nothing else: unix:///run/redis/redis.sock');
  }
  return { topology: 'single', endpoints: [], socket: parts.path };
}

/**
 * The URL with every secret masked, for logs and messages: the password in
 * the userinfo (a user without password too) and secret query options. A string that does not parse as a
 * URL is masked from "//" to the last "@" as well.
 */
export function redactRedisUrl(value: string): string {
  const parts = split(value);
  if (!parts) return value.replace(/\/\/[^/?]*@/, '//***@');
  let userinfo = '';
  if (parts.userinfo !== undefined) {
    const colon = parts.userinfo.indexOf(':');
    // "user@" alone may well be a password written where the user goes: masked too.
    userinfo = colon < 0 ? '***@' : `${parts.userinfo.slice(0, colon)}:***@`;
  }
  const query =
    parts.query === undefined
      ? ''
      : `?${parts.query
          .split('&')
          .map((pair) => {
            const eq = pair.indexOf('=');
            const name = eq < 0 ? pair : pair.slice(0, eq);
            return SECRET_OPTIONS.some((s) => s.toLowerCase() === name.toLowerCase()) ? `${name}=***` : pair;
          })
          .join('&')}`;
  return `${parts.scheme}//${userinfo}${parts.hosts}${parts.path}${query}`;
}
