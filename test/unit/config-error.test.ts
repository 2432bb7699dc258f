import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, formatKeyPath } from '../../src/config/config-error.js';

describe('ConfigError', () => {
  it('renders file:line:col: key path: message', () => {
    const err = ConfigError.at('path/to/config.yaml', 12, 5, ['servers', 'github', 'command'], 'expected a string, got a number');
    expect(err.format()).toBe('path/to/config.yaml:12:5: servers.github.command: expected a string, got a number');
    expect(String(err)).toBe(err.format());
    expect(err.message).toBe(err.format());
    expect(err.name).toBe('ConfigError');
    expect(err).toBeInstanceOf(Error);
    expect([err.file, err.line, err.column, err.keyPath]).toEqual(['path/to/config.yaml', 12, 5, ['servers', 'github', 'command']]);
  });

  it('leaves out the key path when there is none (syntax errors)', () => {
    expect(ConfigError.at('c.json', 3, 7, [], 'comma expected').format()).toBe('c.json:3:7: comma expected');
  });

  it('leaves out the position when there is none (unreadable file)', () => {
    expect(ConfigError.at('c.yaml', 0, 0, [], 'cannot read the config file (ENOENT)').format()).toBe('c.yaml: cannot read the config file (ENOENT)');
  });

  it('holds every issue, sorted by position, one per line', () => {
    const err = new ConfigError([
      { file: 'c.yaml', line: 9, column: 3, keyPath: ['b'], message: 'second' },
      { file: 'c.yaml', line: 2, column: 1, keyPath: ['a'], message: 'first' },
      { file: 'c.yaml', line: 9, column: 1, keyPath: ['c'], message: 'between' },
    ]);
    expect(err.format()).toBe('c.yaml:2:1: a: first\nc.yaml:9:1: c: between\nc.yaml:9:3: b: second');
    expect(err.issues).toHaveLength(3);
    expect(err.line).toBe(2);
    expect(Object.isFrozen(err.issues)).toBe(true);
  });

  it('reports a problem found twice once', () => {
    const issue = { file: 'c.json', line: 1, column: 17, keyPath: [], message: 'close brace expected' };
    expect(new ConfigError([issue, { ...issue }]).issues).toHaveLength(1);
  });

  it('refuses to be empty', () => {
    expect(() => new ConfigError([])).toThrow('ConfigError needs at least one issue');
  });

  it('writes array indexes in brackets and quotes keys that would read ambiguously', () => {
    expect(formatKeyPath(['servers', 'gh', 'args', 2])).toBe('servers.gh.args[2]');
    expect(formatKeyPath(['servers', 'my.server', 'url'])).toBe('servers["my.server"].url');
    expect(formatKeyPath(['servers', 'a b'])).toBe('servers["a b"]');
    expect(formatKeyPath(['$schema'])).toBe('$schema');
    expect(formatKeyPath([0, 'id'])).toBe('[0].id');
    expect(formatIssue({ file: 'f', line: 1, column: 2, keyPath: ['inputs', 0], message: 'm' })).toBe('f:1:2: inputs[0]: m');
  });
});
