/** Client config files load as they are, with their own keys mapped or ignored by name. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../../src/config/defaults.js';
import { parseConfigText } from '../../src/config/load.js';

function failure(text: string, file: string, env: Record<string, string> = {}): string {
  try {
    parseConfigText(text, file, { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('Claude Desktop (claude_desktop_config.json)', () => {
  it('loads mcpServers with command, args and env', () => {
    const text = JSON.stringify({
      mcpServers: {
        filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'] },
        github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_x' } },
      },
    });
    const cfg = parseConfigText(text, 'claude_desktop_config.json', { env: {} });
    expect(cfg.servers).toMatchObject([
      { name: 'filesystem', type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'], env: {} },
      { name: 'github', type: 'stdio', env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_x' }, common: { enabled: true, prefix: 'github' } },
    ]);
  });
});

describe('Cursor (.cursor/mcp.json)', () => {
  it('loads url + headers servers and ${env:NAME} references', () => {
    const text = JSON.stringify({
      mcpServers: {
        docs: { url: 'https://docs.example.com/mcp', headers: { Authorization: 'Bearer ${env:DOCS_TOKEN}' } },
        local: { type: 'stdio', command: 'node', args: ['${userHome}/mcp/server.js'], env: { API_KEY: '${env:API_KEY}' } },
      },
    });
    const cfg = parseConfigText(text, '.cursor/mcp.json', { env: { DOCS_TOKEN: 'd', API_KEY: 'k' } });
    expect(cfg.servers).toMatchObject([
      { name: 'docs', type: 'streamable-http', url: 'https://docs.example.com/mcp', headers: { Authorization: 'Bearer d' } },
      { name: 'local', type: 'stdio', args: [`${os.homedir()}/mcp/server.js`], env: { API_KEY: 'k' } },
    ]);
  });
});

describe('VS Code (.vscode/mcp.json)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'only1mcp-vscode-'));
  writeFileSync(path.join(dir, '.env'), '# secrets\nexport API_KEY=from-file\nOTHER="two words"\n');
  const text = `{
  "inputs": [
    { "type": "promptString", "id": "github-token", "description": "GitHub token", "password": true }
  ],
  "servers": {
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/",
      "headers": { "Authorization": "Bearer \${input:github-token}" },
      "gallery": "https://api.mcp.github.com",
      "version": "1.0.3"
    },
    "legacy": { "type": "sse", "url": "http://localhost:3001/sse" },
    "local": {
      "type": "stdio",
      "command": "node",
      "args": ["server.js"],
      "envFile": ".env",
      "env": { "OTHER": "from-env" },
      "dev": { "watch": "src/**/*.ts", "debug": { "type": "node" } }
    }
  }
}`;

  it('loads servers + inputs, with the input provided through the environment', () => {
    const cfg = parseConfigText(text, path.join(dir, 'mcp.json'), { env: { ONLY1MCP_INPUT_GITHUB_TOKEN: 'ghp_1' } });
    expect(cfg.servers).toMatchObject([
      { name: 'github', type: 'streamable-http', headers: { Authorization: 'Bearer ghp_1' } },
      { name: 'legacy', type: 'sse', url: 'http://localhost:3001/sse' },
      { name: 'local', type: 'stdio', env: { API_KEY: 'from-file', OTHER: 'from-env' } },
    ]);
  });

  it('says how to provide an input it cannot prompt for', () => {
    expect(failure(text, path.join(dir, 'mcp.json'))).toBe(
      `${path.join(dir, 'mcp.json')}:9:20: servers.github.headers.Authorization: \${input:github-token} is a VS Code prompt the gateway cannot show; set ONLY1MCP_INPUT_GITHUB_TOKEN in its environment instead`,
    );
  });

  it('renames gallery names in a client file, with a warning; a gateway file rejects them', () => {
    const gallery = '{"servers": {"io.github.github/github-mcp-server": {"type": "http", "url": "https://api.githubcopilot.com/mcp/"}}}';
    const warnings: string[] = [];
    const cfg = parseConfigText(gallery, '.vscode/mcp.json', { env: {}, onWarning: (w) => warnings.push(w) });
    expect(cfg.servers.map((s) => s.name)).toEqual(['github-mcp-server']);
    expect(warnings).toEqual([
      '.vscode/mcp.json:1:14: servers["io.github.github/github-mcp-server"]: named "github-mcp-server" here: a server name becomes the prefix of its tool names, which allow only A-Z, a-z, 0-9, "_" and "-"',
    ]);
    expect(failure(gallery, 'gateway.json')).toBe(
      'gateway.json:1:14: servers["io.github.github/github-mcp-server"]: a server name is 1-64 characters of A-Z, a-z, 0-9, "_" and "-"',
    );
  });

  it('points errors in a renamed server at the key as written', () => {
    const text = '{\n"mcpServers": {\n"a/b": {\n"command": 7\n}\n}\n}';
    expect(failure(text, 'cline_mcp_settings.json')).toBe('cline_mcp_settings.json:4:1: mcpServers.b.command: expected a string, got a number');
  });
});

describe('Cline (cline_mcp_settings.json)', () => {
  it('maps disabled, timeout (seconds), transportType and streamableHttp; ignores approvals', () => {
    const text = JSON.stringify({
      mcpServers: {
        git: { command: 'uvx', args: ['mcp-server-git'], disabled: true, autoApprove: ['git_status'], alwaysAllow: [], timeout: 30 },
        old: { transportType: 'stdio', command: 'node', args: ['old.js'] },
        remote: { type: 'streamableHttp', url: 'https://remote.example.com/mcp', disabled: false },
        events: { type: 'sse', url: 'https://events.example.com/sse', timeout: 120 },
        legacyHttp: { transportType: 'http', url: 'https://h.example.com/mcp' },
      },
    });
    const cfg = parseConfigText(text, 'cline_mcp_settings.json', { env: {} });
    expect(cfg.servers).toMatchObject([
      { name: 'git', type: 'stdio', common: { enabled: false, callTimeoutMs: 30_000 } },
      { name: 'old', type: 'stdio', common: { enabled: true, callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS } },
      { name: 'remote', type: 'streamable-http', common: { enabled: true } },
      { name: 'events', type: 'sse', common: { callTimeoutMs: 120_000 } },
      { name: 'legacyHttp', type: 'streamable-http' },
    ]);
  });
});

describe('Windsurf (mcp_config.json)', () => {
  it('maps serverUrl and disabled, and accepts an empty disabledTools', () => {
    const text = JSON.stringify({
      mcpServers: {
        remote: { serverUrl: 'https://remote.example.com/mcp', headers: { Authorization: 'Bearer ${AUTH_TOKEN}' }, disabledTools: [] },
        off: { command: 'npx', args: ['-y', 'x'], disabled: true, env: {} },
      },
    });
    const cfg = parseConfigText(text, 'mcp_config.json', { env: { AUTH_TOKEN: 'tok' } });
    expect(cfg.servers).toMatchObject([
      { name: 'remote', type: 'streamable-http', url: 'https://remote.example.com/mcp', headers: { Authorization: 'Bearer tok' } },
      { name: 'off', type: 'stdio', common: { enabled: false } },
    ]);
  });
});

describe('Claude Code (.mcp.json)', () => {
  it('loads type http with ${VAR:-default}', () => {
    const text = JSON.stringify({ mcpServers: { api: { type: 'http', url: '${API_BASE_URL:-https://api.example.com}/mcp', headers: { 'X-Key': '${API_KEY}' } } } });
    const cfg = parseConfigText(text, '.mcp.json', { env: { API_KEY: 'k' } });
    expect(cfg.servers).toMatchObject([{ name: 'api', type: 'streamable-http', url: 'https://api.example.com/mcp', headers: { 'X-Key': 'k' } }]);
  });
});

describe('client keys stay strict', () => {
  it('rejects server keys no supported client uses; a client file\'s own top-level key is a warning', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x', autoapprove: [] } }, globalShortcut: 'Ctrl+Space' });
    const warnings: string[] = [];
    let message = '';
    try {
      parseConfigText(text, 'claude_desktop_config.json', { env: {}, onWarning: (w) => warnings.push(w) });
    } catch (err) {
      message = (err as ConfigError).format();
    }
    expect(message).toBe('claude_desktop_config.json:1:35: mcpServers.a.autoapprove: unknown key (did you mean "autoApprove"?)');
    expect(warnings).toEqual(["claude_desktop_config.json:1:54: globalShortcut: ignored: a Claude Desktop setting, not one of the gateway's"]);
  });

  it('keeps the gateway\'s own files strict: the same key in config.json is an error', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x' } }, globalShortcut: 'Ctrl+Space' });
    expect(failure(text, 'config.json')).toBe('config.json:1:37: globalShortcut: unknown key');
  });
});

describe('client files: what is recognised, and what is ignored', () => {
  const load = (text: string, file: string) => {
    const warnings: string[] = [];
    const cfg = parseConfigText(text, file, { env: {}, onWarning: (w) => warnings.push(w) });
    return { names: cfg.servers.map((s) => s.name), warnings };
  };

  it('knows each client by its file name, and mcp.json by its folder', () => {
    const text = '{"mcpServers": {"a": {"command": "x"}}, "theirs": 1}';
    for (const [file, client] of [
      ['claude_desktop_config.json', 'Claude Desktop'],
      ['proj/.mcp.json', 'Claude Code'],
      ['home/.claude.json', 'Claude Code'],
      ['proj/.cursor/mcp.json', 'Cursor'],
      ['proj/.vscode/mcp.json', 'VS Code'],
      ['User/mcp.json', 'Cursor or VS Code'],
      ['windsurf/mcp_config.json', 'Windsurf'],
      ['settings/cline_mcp_settings.json', 'Cline'],
    ] as const) {
      expect(load(text, file), file).toEqual({ names: ['a'], warnings: [`${file}:1:41: theirs: ignored: a ${client} setting, not one of the gateway's`] });
    }
  });

  it('still checks the gateway keys a client file happens to hold', () => {
    expect(failure('{"mcpServers": {}, "listen": {"port": "x"}}', 'claude_desktop_config.json')).toBe(
      'claude_desktop_config.json:1:31: listen.port: expected an integer, got "x"',
    );
  });

  it('names the first few ignored keys and counts the rest', () => {
    const keys = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i]));
    const { warnings } = load(JSON.stringify({ mcpServers: {}, ...keys }), '.claude.json');
    expect(warnings).toHaveLength(9);
    expect(warnings[8]).toBe('.claude.json: ignored 3 more top-level Claude Code settings');
  });
});
