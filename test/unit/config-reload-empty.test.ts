/** A reload refuses a file that declares nothing (an editor's truncate caught mid-save); `servers: {}` is a real edit. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load.js';
import { MAX_JSON_DEPTH } from '../../src/config/defaults.js';

const STAYS = 'not applied, the previous configuration stays (to stop every server, write an explicit servers: {})';

function refusal(text: string, file: string): string {
  try {
    parseConfigText(text, file, { refuseEmpty: true });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  return 'accepted';
}

describe('refuseEmpty (reloads)', () => {
  it.each([
    ['', 'config.yaml', `config.yaml: the file is empty; ${STAYS}`],
    ['  \n\n', 'config.toml', `config.toml: the file is empty; ${STAYS}`],
    ['# servers:\n#   box: {}\n', 'config.yaml', `config.yaml: the file declares nothing (only comments, or an empty object); ${STAYS}`],
    ['# nothing\n', 'config.toml', `config.toml: the file declares nothing (only comments, or an empty object); ${STAYS}`],
    ['{}', 'config.json', `config.json: the file declares nothing (only comments, or an empty object); ${STAYS}`],
  ])('refuses %j in %s', (text, file, message) => {
    expect(refusal(text, file)).toBe(message);
  });

  it('applies an explicit empty servers (YAML, JSON) as a config with no servers', () => {
    expect(parseConfigText('servers: {}\n', 'config.yaml', { refuseEmpty: true }).servers).toEqual([]);
    expect(parseConfigText('{"servers": {}}', 'config.json', { refuseEmpty: true }).servers).toEqual([]);
  });

  it('still starts from an empty file (only a reload refuses one)', () => {
    expect(parseConfigText('', 'config.yaml').servers).toEqual([]);
  });
});

describe('limits.maxJsonDepth', () => {
  it('defaults to MAX_JSON_DEPTH and takes a value in range', () => {
    expect(parseConfigText('servers: {}\n', 'config.yaml').limits.maxJsonDepth).toBe(MAX_JSON_DEPTH);
    expect(parseConfigText('limits: { maxJsonDepth: 64 }\n', 'config.yaml').limits.maxJsonDepth).toBe(64);
  });

  it('refuses a value out of range with the key named', () => {
    expect(() => parseConfigText('limits: { maxJsonDepth: 2 }\n', 'config.yaml')).toThrow('config.yaml:1:11: limits.maxJsonDepth: must be an integer from 8 to 1000 (levels of nesting)');
  });
});
