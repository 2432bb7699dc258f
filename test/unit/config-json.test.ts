/** JSON and JSONC files: comments, positions from the parse tree, syntax errors. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load.js';

function failure(text: string, file = 'config.json'): string {
  try {
    parseConfigText(text, file, { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('a JSON config', () => {
  it('accepts comments and trailing commas, in .json and .jsonc', () => {
    const text = '{\n  // the gateway\n  "workers": 2,\n  /* servers */\n  "servers": { "a": { "command": "x", }, },\n}\n';
    for (const file of ['c.json', 'c.jsonc']) {
      const cfg = parseConfigText(text, file, { env: {} });
      expect(cfg.workers).toBe(2);
      expect(cfg.servers.map((s) => s.name)).toEqual(['a']);
    }
  });

  it('points validation errors at the key, for nested keys and array items', () => {
    const text = [
      '{',
      '  "listen": { "port": "80" },',
      '  "servers": {',
      '    "github": {',
      '      "command": 12,',
      '      "args": ["-y",',
      '               false]',
      '    },',
      '    "bad name": { "command": "x" }',
      '  },',
      '  "extra": 1',
      '}',
    ].join('\n');
    expect(failure(text)).toBe(
      [
        'config.json:2:15: listen.port: expected an integer, got "80"',
        'config.json:5:7: servers.github.command: expected a string, got a number',
        'config.json:7:16: servers.github.args[1]: expected a string, got a boolean',
        'config.json:9:5: servers["bad name"]: a server name is 1-64 characters of A-Z, a-z, 0-9, "_" and "-"',
        'config.json:11:3: extra: unknown key',
      ].join('\n'),
    );
  });

  it('points a missing key at the object that lacks it', () => {
    expect(failure('{"servers": {\n  "a": {"args": []}\n}}')).toBe('config.json:2:3: servers.a: needs either command (a stdio server) or url (an HTTP server)');
  });

  it('reports the root when it is not an object', () => {
    expect(failure('[1, 2]')).toBe('config.json:1:1: expected an object, got a list');
  });
});

describe('JSON syntax errors', () => {
  const cases: [string, string, string][] = [
    ['missing comma', '{\n  "workers": 1\n  "logLevel": "info"\n}', 'config.json:3:3: comma expected'],
    ['missing value', '{ "workers": }', 'config.json:1:14: value expected'],
    ['unclosed object', '{ "workers": 1', 'config.json:1:15: close brace expected'],
    ['unquoted key', '{ workers: 1 }', 'config.json:1:3: invalid symbol\nconfig.json:1:10: property name expected\nconfig.json:1:14: value expected'],
    ['duplicate key', '{\n  "workers": 1,\n  "workers": 2\n}', 'config.json:3:3: workers: duplicate key'],
    ['duplicate nested key', '{"servers": {"a": {"command": "x", "command": "y"}}}', 'config.json:1:36: servers.a.command: duplicate key'],
    ['only comments', '// nothing\n', 'config.json:2:1: value expected'],
  ];
  it.each(cases)('%s', (_title, text, expected) => {
    expect(failure(text)).toBe(expected);
  });
});
