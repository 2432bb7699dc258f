/** TOML files: values from smol-toml, key positions from our scanner. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load.js';
import { scanTomlKeys } from '../../src/config/toml-key-scanner.js';

function failure(text: string, file = 'config.toml'): string {
  try {
    parseConfigText(text, file, { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('a TOML config', () => {
  it('reads the same model as YAML', () => {
    const text = [
      'workers = "auto"',
      'logLevel = "debug"',
      '',
      '[listen]',
      'port = 9000',
      '',
      '[servers.github]',
      'command = "npx"',
      'args = ["-y", "@modelcontextprotocol/server-github"]',
      'env = { GITHUB_TOKEN = "t" }',
      '',
      '[servers.search]',
      'url = "https://search.example.com/mcp"',
      'headers.Authorization = "Bearer x"',
      '',
    ].join('\n');
    const cfg = parseConfigText(text, 'c.toml', { env: {} });
    expect(cfg.listen.port).toBe(9000);
    expect(cfg.logLevel).toBe('debug');
    expect(cfg.servers).toMatchObject([
      { name: 'github', type: 'stdio', command: 'npx', env: { GITHUB_TOKEN: 't' } },
      { name: 'search', type: 'streamable-http', headers: { Authorization: 'Bearer x' } },
    ]);
  });

  it('points at keys under [servers.name] tables', () => {
    const text = ['# gateway', '[servers.github]', 'command = 5', 'comand = "npx"', '', '[servers.web]', 'url = "ftp://x"', ''].join('\n');
    expect(failure(text)).toBe(
      [
        'config.toml:3:1: servers.github.command: expected a string, got a number',
        'config.toml:4:1: servers.github.comand: unknown key (did you mean "command"?)',
        'config.toml:7:1: servers.web.url: expected an http:// or https:// URL',
      ].join('\n'),
    );
  });

  it('points at the segment of a dotted key', () => {
    const text = 'servers.github.command = "npx"\nservers.github.timeoutMs = -1\n  listen.port = "x"\n';
    expect(failure(text)).toBe(
      [
        'config.toml:2:16: servers.github.timeoutMs: must be an integer from 1 to 2147483647 (milliseconds)',
        'config.toml:3:10: listen.port: expected an integer, got "x"',
      ].join('\n'),
    );
  });

  it('points into inline tables and multi-line arrays', () => {
    const text = [
      '[servers]',
      'github = { command = "npx", args = ["-y", 7], enabled = "no" }',
      'web = { url = "https://x.example/mcp", headers = { A = 1 } }',
      'mem = { command = "npx", args = [',
      '  "-y",   # a comment, with ] and = in it',
      '  "@modelcontextprotocol/server-memory",',
      '  3,',
      '] }',
      '',
    ].join('\n');
    expect(failure(text)).toBe(
      [
        'config.toml:2:43: servers.github.args[1]: expected a string, got a number',
        'config.toml:2:47: servers.github.enabled: expected true or false, got "no"',
        'config.toml:3:52: servers.web.headers.A: expected a string, got a number',
        'config.toml:7:3: servers.mem.args[2]: expected a string, got a number',
      ].join('\n'),
    );
  });

  it('handles quoted keys and strings that look like syntax', () => {
    const text = [
      '[servers."bad name"]',
      'command = "x"',
      '[servers.ok]',
      'command = """',
      'not = a key',
      '[not.a.table]',
      '"""',
      "args = ['[x]', 'y = z']",
      '"timeoutMs" = 0',
      '',
    ].join('\n');
    expect(failure(text)).toBe(
      [
        'config.toml:1:10: servers["bad name"]: a server name is 1-64 characters of A-Z, a-z, 0-9, "_" and "-"',
        'config.toml:9:1: servers.ok.timeoutMs: must be an integer from 1 to 2147483647 (milliseconds)',
      ].join('\n'),
    );
  });

  it('falls back to the table header for keys the file does not spell out', () => {
    expect(failure('[servers.a]\nargs = []\n')).toBe('config.toml:1:10: servers.a: needs either command (a stdio server) or url (an HTTP server)');
  });

  it('counts [[array]] tables', () => {
    const keys = scanTomlKeys('[[inputs]]\nid = "a"\n[[inputs]]\nid = "b"\ntype = "promptString"\n');
    expect(keys.get(JSON.stringify(['inputs', 1, 'type']))).toEqual({ line: 5, column: 1 });
    expect(failure('[[inputs]]\nid = "a"\n[[inputs]]\ntype = "promptString"\n')).toBe('config.toml:3:3: inputs[1].id: is required');
  });
});

describe('TOML syntax errors', () => {
  const cases: [string, string, string][] = [
    ['missing value', 'workers = \n', 'config.toml:1:11: invalid value'],
    ['redefined key', 'workers = 1\nworkers = 2\n', 'config.toml:2:1: trying to redefine an already defined table or value'],
    ['unterminated string', '[listen]\nhost = "127.0.0.1\n', 'config.toml:2:18: control characters are not allowed in strings'],
  ];
  it.each(cases)('%s', (_title, text, expected) => {
    expect(failure(text)).toBe(expected);
  });
});
