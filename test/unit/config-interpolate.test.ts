/** ${VAR} references in string values. */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { inputVariableName, interpolateString, referencesIn } from '../../src/config/interpolate.js';
import { parseConfigText } from '../../src/config/load.js';

function failure(text: string, env: Record<string, string> = {}, file = 'config.yaml'): string {
  try {
    parseConfigText(text, file, { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('interpolateString', () => {
  const env = { HOST: 'example.com', EMPTY: '', PORT: '8080' };
  const ok: [string, string, boolean][] = [
    ['no references', 'no references', false],
    ['https://${HOST}/mcp', 'https://example.com/mcp', true],
    ['${env:HOST}', 'example.com', true],
    ['${HOST}:${PORT}', 'example.com:8080', true],
    ['${MISSING:-fallback}', 'fallback', true],
    ['${EMPTY:-fallback}', 'fallback', true],
    ['${HOST:-fallback}', 'example.com', true],
    ['${env:MISSING:-a:-b}', 'a:-b', true],
    ['${MISSING:-}', '', true],
    ['${EMPTY}', '', true],
    ['$${HOST}', '${HOST}', false],
    ['cost: $5 and $$ and $HOST', 'cost: $5 and $$ and $HOST', false],
    ['a $${literal} and ${HOST}', 'a ${literal} and example.com', true],
    ['${userHome}/x', `${os.homedir()}/x`, true],
  ];
  it.each(ok)('%s', (text, value, referenced) => {
    expect(interpolateString(text, env)).toEqual({ value, referenced });
  });

  it('reads a variable named userHome before the home directory', () => {
    expect(interpolateString('${userHome}', { userHome: '/h' })).toEqual({ value: '/h', referenced: true });
  });

  it('reads ${input:ID} from ONLY1MCP_INPUT_<ID>', () => {
    expect(inputVariableName('github-token.v2')).toBe('ONLY1MCP_INPUT_GITHUB_TOKEN_V2');
    expect(interpolateString('Bearer ${input:github-token}', { ONLY1MCP_INPUT_GITHUB_TOKEN: 'abc' })).toEqual({ value: 'Bearer abc', referenced: true });
  });

  it('lists references, leaving out escapes', () => {
    expect(referencesIn('${a} $${b} ${input:c}')).toEqual(['a', 'input:c']);
  });
});

describe('interpolation in a config file', () => {
  it('applies to every string value, in every section', () => {
    const text = [
      'listen:',
      '  host: ${HOST}',
      '  allowedOrigins: ["https://${HOST}"]',
      'redis: redis://${HOST}:6379',
      'servers:',
      '  gh:',
      '    command: ${CMD:-npx}',
      '    args: ["--token=${TOKEN}"]',
      '    env:',
      '      TOKEN: ${env:TOKEN}',
      '      LITERAL: "$${NOT_A_VAR}"',
      '',
    ].join('\n');
    const cfg = parseConfigText(text, 'c.yaml', { env: { HOST: 'h.example', TOKEN: 't' } });
    expect(cfg.listen.host).toBe('h.example');
    expect(cfg.listen.allowedOrigins).toEqual(['https://h.example']);
    expect(cfg.redisUrl).toBe('redis://h.example:6379');
    expect(cfg.servers[0]).toMatchObject({ command: 'npx', args: ['--token=t'], env: { TOKEN: 't', LITERAL: '${NOT_A_VAR}' } });
  });

  it('never applies to keys', () => {
    const cfg = parseConfigText('servers:\n  gh:\n    command: x\n    env:\n      ${NAME}: v\n', 'c.yaml', { env: { NAME: 'X' } });
    expect(cfg.servers[0]).toMatchObject({ env: { '${NAME}': 'v' } });
  });

  it('leaves VS Code inputs alone (their texts are the client\'s)', () => {
    const text = '{"servers": {}, "inputs": [{"id": "k", "type": "promptString", "description": "your ${token}"}]}';
    expect(() => parseConfigText(text, 'mcp.json', { env: {} })).not.toThrow();
  });

  it('converts a resolved number or boolean where the schema wants one', () => {
    const text = 'listen:\n  port: ${PORT:-7400}\nworkers: ${WORKERS}\nservers:\n  a:\n    command: x\n    enabled: ${ON}\n    timeoutMs: "${T}"\n';
    const cfg = parseConfigText(text, 'c.yaml', { env: { WORKERS: '3', ON: 'false', T: '1500' } });
    expect(cfg.listen.port).toBe(7400);
    expect(cfg.workers).toBe(3);
    expect(cfg.servers[0]?.common).toMatchObject({ enabled: false, callTimeoutMs: 1500 });
  });

  it('keeps a resolved number a string where the schema wants a string', () => {
    const cfg = parseConfigText('servers:\n  a:\n    command: x\n    env:\n      PORT: ${PORT}\n', 'c.yaml', { env: { PORT: '8080' } });
    expect(cfg.servers[0]).toMatchObject({ env: { PORT: '8080' } });
  });

  it('still rejects a resolved value that is not a number', () => {
    expect(failure('listen:\n  port: ${PORT}\n', { PORT: 'eighty' })).toBe('config.yaml:2:3: listen.port: expected an integer, got "eighty"');
  });
});

describe('interpolation errors', () => {
  const cases: [string, string, Record<string, string>, string][] = [
    ['unset variable', 'servers:\n  gh:\n    command: npx\n    env:\n      GITHUB_TOKEN: ${GITHUB_TOKEN}\n', {}, 'config.yaml:5:7: servers.gh.env.GITHUB_TOKEN: environment variable GITHUB_TOKEN is not set'],
    ['unset env: variable', 'redis: ${env:REDIS_URL}\n', {}, 'config.yaml:1:1: redis: environment variable REDIS_URL is not set'],
    ['VS Code input', 'servers:\n  gh:\n    url: https://x.example/mcp\n    headers:\n      Authorization: Bearer ${input:github_token}\n', {}, 'config.yaml:5:7: servers.gh.headers.Authorization: ${input:github_token} is a VS Code prompt the gateway cannot show; set ONLY1MCP_INPUT_GITHUB_TOKEN in its environment instead'],
    ['VS Code workspace variable', 'servers:\n  fs:\n    command: npx\n    args: ["${workspaceFolder}"]\n', {}, 'config.yaml:4:12: servers.fs.args[0]: ${workspaceFolder} is a VS Code variable the gateway cannot resolve; write the path out'],
    ['Windsurf file reference', 'servers:\n  a:\n    command: ${file:/run/secret}\n', {}, 'config.yaml:3:5: servers.a.command: unsupported reference ${file:/run/secret}: use ${VAR}, ${VAR:-default} or ${env:VAR} (write $${ for a literal ${)'],
    ['bad name', 'servers:\n  a:\n    command: "${1X}"\n', {}, 'config.yaml:3:5: servers.a.command: unsupported reference ${1X}: use ${VAR}, ${VAR:-default} or ${env:VAR} (write $${ for a literal ${)'],
    ['unterminated', 'servers:\n  a:\n    command: "${HOME"\n', { HOME: '/h' }, 'config.yaml:3:5: servers.a.command: unterminated ${ (write $${ for a literal ${)'],
  ];
  it.each(cases)('%s', (_title, text, env, expected) => {
    expect(failure(text, env)).toBe(expected);
  });

  it('reports every unset variable, and no type error for the same value', () => {
    const text = 'listen:\n  port: ${PORT}\nservers:\n  a:\n    command: ${A}\n  b:\n    url: ${B}\n';
    expect(failure(text)).toBe(
      [
        'config.yaml:2:3: listen.port: environment variable PORT is not set',
        'config.yaml:5:5: servers.a.command: environment variable A is not set',
        'config.yaml:7:5: servers.b.url: environment variable B is not set',
      ].join('\n'),
    );
  });

  it('reports unset variables alongside other errors', () => {
    expect(failure('workers: 0\nredis: ${R}\n')).toBe(
      'config.yaml:1:1: workers: expected "auto" or an integer from 1 to 1024\nconfig.yaml:2:1: redis: environment variable R is not set',
    );
  });

  it('names the file, line and key in TOML and JSON too', () => {
    expect(failure('[servers.a]\ncommand = "${CMD}"\n', {}, 'c.toml')).toBe('c.toml:2:1: servers.a.command: environment variable CMD is not set');
    expect(failure('{"servers": {"a": {"command": "${CMD}"}}}', {}, 'c.json')).toBe('c.json:1:20: servers.a.command: environment variable CMD is not set');
  });
});
