import {
  DEFAULT_MAX_CONCURRENT_REQUESTS_PER_ADDRESS,
  DEFAULT_MAX_SESSIONS_PER_ADDRESS,
  DEFAULT_MAX_SESSIONS_TOTAL,
  DEFAULT_SESSION_CREATE_BURST,
  DEFAULT_SESSION_CREATES_PER_SECOND,
} from '../../src/config/defaults.js';
/** YAML files, and what every format shares: defaults, normalisation, freezing, reading files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_CALL_MS,
  DEFAULT_RETRY_ATTEMPTS,
  DEFAULT_RETRY_BUDGET_PERCENT,
  DEFAULT_HOST,
  DEFAULT_MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  DEFAULT_NAME_SEPARATOR,
  DEFAULT_PORT,
  DEFAULT_ISOLATION,
  DEFAULT_MAX_PROCESSES,
  DEFAULT_UPSTREAM_IDLE_MS,
  WORKER_HEARTBEAT_MS,
  WORKER_STALL_TIMEOUT_MS,
} from '../../src/config/defaults.js';
import { AUTH_DISABLED } from '../../src/config/auth-normalise.js';
import { builtinDefaultConfig, loadConfigFile, parseConfigText } from '../../src/config/load.js';

const LIMIT_DEFAULTS = {
  maxJsonDepth: MAX_JSON_DEPTH,
  sessionsPerAddress: DEFAULT_MAX_SESSIONS_PER_ADDRESS,
  sessionsTotal: DEFAULT_MAX_SESSIONS_TOTAL,
  sessionCreatesPerSecond: DEFAULT_SESSION_CREATES_PER_SECOND,
  sessionCreateBurst: DEFAULT_SESSION_CREATE_BURST,
  concurrentRequestsPerAddress: DEFAULT_MAX_CONCURRENT_REQUESTS_PER_ADDRESS,
};

/** What an entry that sets no routing or shaping key runs with. */
const ROUTING_DEFAULTS = { balance: 'round-robin', hashKey: { from: 'session' }, health: undefined, retry: { attempts: DEFAULT_RETRY_ATTEMPTS, budgetPercent: DEFAULT_RETRY_BUDGET_PERCENT, idempotentTools: false } };
const SHAPING_DEFAULTS = { tools: { allow: undefined, deny: [], rename: {}, descriptions: {} }, prompts: { allow: undefined, deny: [] }, resources: { allow: undefined, deny: [] } };

function failure(text: string, file = 'config.yaml'): string {
  try {
    parseConfigText(text, file, { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const FULL = `# a comment
listen:
  host: 0.0.0.0
  port: 8080
  allowedOrigins: ["https://app.example.com"]
  allowedHosts: [mcp.example.com]
  maxBodyBytes: 1048576
workers: 4
redis: redis://127.0.0.1:6379
logLevel: debug
naming:
  default: on-collision
  separator: "_"
context:
  mode: search
servers:
  github:
    type: stdio
    command: npx
    args: ["-y", "@modelcontextprotocol/server-github"]
    env:
      GITHUB_TOKEN: secret
    cwd: /srv/github
    enabled: false
    naming: prefix
    prefix: gh
    protocol: legacy
    timeoutMs: 5000
    connectTimeoutMs: 2000
    isolation: shared
    idleTimeoutMs: 60000
  search:
    url: https://search.example.com/mcp
    headers:
      Authorization: Bearer x
  old:
    type: sse
    url: http://old.example.com/sse
`;

describe('a YAML config', () => {
  it('normalises to the model, every field', () => {
    const cfg = parseConfigText(FULL, '/etc/only1mcp/config.yaml', { env: {} });
    expect(cfg).toEqual({
      source: '/etc/only1mcp/config.yaml',
      listen: { host: '0.0.0.0', port: 8080, allowedOrigins: ['https://app.example.com'], allowedHosts: ['mcp.example.com'], maxBodyBytes: 1048576, trustProxy: false },
      workers: 4,
      redisUrl: 'redis://127.0.0.1:6379',
      logLevel: 'debug',
      watchdog: { heartbeatMs: WORKER_HEARTBEAT_MS, stallTimeoutMs: WORKER_STALL_TIMEOUT_MS },
      naming: { separator: '_' },
      context: { mode: 'search', budgetTokens: 4000, overrides: [] },
      limits: LIMIT_DEFAULTS,
      auth: AUTH_DISABLED,
      servers: [
        {
          name: 'github',
          type: 'stdio',
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-github'],
          env: { GITHUB_TOKEN: 'secret' },
          cwd: '/srv/github',
          replicas: [{ id: '1', weight: 1 }],
          common: { enabled: false, naming: 'prefix', prefix: 'gh', protocol: 'legacy', callTimeoutMs: 5000, maxCallMs: DEFAULT_MAX_CALL_MS, connectTimeoutMs: 2000, isolation: 'shared', maxProcesses: DEFAULT_MAX_PROCESSES, idleTimeoutMs: 60000, routing: ROUTING_DEFAULTS, shaping: SHAPING_DEFAULTS },
        },
        {
          name: 'search',
          type: 'streamable-http',
          url: 'https://search.example.com/mcp',
          headers: { Authorization: 'Bearer x' },
          replicas: [{ id: 'https://search.example.com/mcp', url: 'https://search.example.com/mcp', headers: { Authorization: 'Bearer x' }, weight: 1 }],
          // No type in the file: the worker probes Streamable HTTP, then legacy SSE.
          probeTransport: true,
          common: {
            enabled: true,
            naming: 'on-collision',
            prefix: 'search',
            protocol: 'auto',
            callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
            maxCallMs: DEFAULT_MAX_CALL_MS,
            connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
            isolation: DEFAULT_ISOLATION,
            maxProcesses: DEFAULT_MAX_PROCESSES,
            idleTimeoutMs: DEFAULT_UPSTREAM_IDLE_MS,
            routing: ROUTING_DEFAULTS,
            shaping: SHAPING_DEFAULTS,
          },
        },
        {
          name: 'old',
          type: 'sse',
          url: 'http://old.example.com/sse',
          headers: {},
          replicas: [{ id: 'http://old.example.com/sse', url: 'http://old.example.com/sse', headers: {}, weight: 1 }],
          common: expect.objectContaining({ prefix: 'old', naming: 'on-collision' }),
        },
      ],
    });
  });

  it('is deeply frozen', () => {
    const cfg = parseConfigText(FULL, 'config.yaml', { env: {} });
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.listen.allowedOrigins)).toBe(true);
    const server = cfg.servers[0];
    expect(server && Object.isFrozen(server.common)).toBe(true);
    expect(() => {
      (cfg.listen as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('fills every default from defaults.ts', () => {
    const cfg = parseConfigText('servers:\n  mem:\n    command: npx\n', 'config.yaml', { env: {} });
    expect(cfg.listen).toEqual({ host: DEFAULT_HOST, port: DEFAULT_PORT, allowedOrigins: [], allowedHosts: [], maxBodyBytes: DEFAULT_MAX_BODY_BYTES, trustProxy: false });
    expect(cfg.workers).toBe(0);
    expect(cfg.redisUrl).toBeUndefined();
    expect(cfg.logLevel).toBe('info');
    expect(cfg.naming).toEqual({ separator: DEFAULT_NAME_SEPARATOR });
    expect(cfg.context.mode).toBe('full');
    expect(cfg.servers).toEqual([
      {
        name: 'mem',
        type: 'stdio',
        command: 'npx',
        args: [],
        env: {},
        cwd: undefined,
        replicas: [{ id: '1', weight: 1 }],
        common: {
          enabled: true,
          naming: 'prefix',
          prefix: 'mem',
          protocol: 'auto',
          callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
          maxCallMs: DEFAULT_MAX_CALL_MS,
          connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
          isolation: 'session',
          maxProcesses: DEFAULT_MAX_PROCESSES,
          idleTimeoutMs: DEFAULT_UPSTREAM_IDLE_MS,
          routing: ROUTING_DEFAULTS,
          shaping: SHAPING_DEFAULTS,
        },
      },
    ]);
  });

  it('maps workers: auto to 0 (one per core)', () => {
    expect(parseConfigText('workers: auto\n', 'c.yaml', { env: {} }).workers).toBe(0);
  });

  it('resolves cwd against the config file directory and ~ against home', () => {
    const text = 'servers:\n  a:\n    command: x\n    cwd: data\n  b:\n    command: x\n    cwd: ~/work\n';
    const [a, b] = parseConfigText(text, '/etc/only1mcp/config.yaml', { env: {} }).servers;
    expect(a?.type === 'stdio' && a.cwd).toBe('/etc/only1mcp/data');
    expect(b?.type === 'stdio' && b.cwd).toBe(path.join(os.homedir(), 'work'));
  });

  it('accepts anchors and aliases, and points errors at the alias user', () => {
    const text = 'x-common: &c\n  command: npx\nservers:\n  a: *c\n';
    expect(failure(text)).toBe('config.yaml:1:1: x-common: unknown key');
    const ok = 'servers:\n  a: &c\n    command: npx\n    args: [one]\n  b: *c\n';
    expect(parseConfigText(ok, 'c.yaml', { env: {} }).servers.map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', ''].join('\n');
    expect(failure(bomb)).toBe('config.yaml:1:1: Excessive alias count indicates a resource exhaustion attack');
  });

  it('treats an empty file or one of comments only as all defaults', () => {
    for (const text of ['', '\n\n', '# nothing yet\n']) {
      const cfg = parseConfigText(text, 'config.yaml', { env: {} });
      expect({ ...cfg, source: undefined }).toEqual(builtinDefaultConfig());
    }
  });

  it('ignores a byte-order mark', () => {
    expect(failure('\uFEFFworkers: 0\n')).toBe('config.yaml:1:1: workers: expected "auto" or an integer from 1 to 1024');
  });

  it('accepts a $schema key for editors', () => {
    expect(() => parseConfigText('$schema: ./config.schema.json\n', 'c.yaml', { env: {} })).not.toThrow();
  });
});

describe('YAML syntax errors', () => {
  const cases: [string, string, string][] = [
    ['duplicate key', 'workers: 1\nworkers: 2\n', 'config.yaml:2:1: Map keys must be unique'],
    ['unclosed flow sequence', 'servers:\n  a:\n    args: [a, b\n', 'config.yaml:4:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['unclosed quote', 'logLevel: "info\n', 'config.yaml:2:1: Missing closing "quote'],
    ['tab indentation', 'listen:\n\tport: 1\n', 'config.yaml:2:1: Tabs are not allowed as indentation'],
  ];
  it.each(cases)('%s', (_title, text, expected) => {
    expect(failure(text)).toBe(expected);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'only1mcp-load-'));

  it('reads and validates a file', async () => {
    const file = path.join(dir, 'config.yml');
    writeFileSync(file, 'servers:\n  mem:\n    command: npx\n');
    const cfg = await loadConfigFile(file, { env: {} });
    expect(cfg.source).toBe(file);
    expect(cfg.servers.map((s) => s.name)).toEqual(['mem']);
  });

  it('says when the file cannot be read', async () => {
    const file = path.join(dir, 'absent.yaml');
    await expect(loadConfigFile(file)).rejects.toThrow(`${file}: cannot read the config file (ENOENT)`);
  });

  it('reads a file without a known extension as JSON, else YAML', async () => {
    const json = path.join(dir, 'only1mcp.conf');
    writeFileSync(json, '{ "workers": 2 }');
    expect((await loadConfigFile(json, { env: {} })).workers).toBe(2);
    writeFileSync(json, 'workers: 3\n');
    expect((await loadConfigFile(json, { env: {} })).workers).toBe(3);
    writeFileSync(json, '{ "workers": 2, }}');
    await expect(loadConfigFile(json, { env: {} })).rejects.toThrow(`${json}:1:18: end of file expected`);
    writeFileSync(json, 'workers: [\n');
    await expect(loadConfigFile(json, { env: {} })).rejects.toThrow(ConfigError);
  });
});

describe('builtinDefaultConfig', () => {
  it('is the defaults with no servers and no source, frozen', () => {
    const cfg = builtinDefaultConfig();
    expect(cfg).toEqual({
      source: undefined,
      listen: { host: DEFAULT_HOST, port: DEFAULT_PORT, allowedOrigins: [], allowedHosts: [], maxBodyBytes: DEFAULT_MAX_BODY_BYTES, trustProxy: false },
      workers: 0,
      redisUrl: undefined,
      logLevel: 'info',
      watchdog: { heartbeatMs: WORKER_HEARTBEAT_MS, stallTimeoutMs: WORKER_STALL_TIMEOUT_MS },
      naming: { separator: DEFAULT_NAME_SEPARATOR },
      context: { mode: 'full', budgetTokens: 4000, overrides: [] },
      limits: LIMIT_DEFAULTS,
      auth: AUTH_DISABLED,
      servers: [],
    });
    expect(Object.isFrozen(cfg.listen)).toBe(true);
  });
});
