import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { importClientConfig } from '../../src/config/import.js';
import { serverName } from '../../src/config/import-server.js';
import { parseConfigText } from '../../src/config/load.js';

describe('importClientConfig', () => {
  it('turns a Claude Desktop file into our YAML, with a header saying where it came from', () => {
    const text = JSON.stringify({
      mcpServers: {
        filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'] },
        github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: '<token>', PORT: '8080' } },
      },
      globalShortcut: 'Ctrl+Space',
    });
    const result = importClientConfig(text, '/Users/me/Library/Application Support/Claude/claude_desktop_config.json');
    expect(result.yaml).toBe(
      [
        '# only1mcp configuration imported from /Users/me/Library/Application Support/Claude/claude_desktop_config.json',
        '# 2 servers from its "mcpServers" (Claude Desktop).',
        '# Only servers were imported; listen, workers, redis and the rest keep their',
        '# defaults. Check the result with: only1mcp validate',
        '',
        'servers:',
        '  filesystem:',
        '    command: npx',
        '    args:',
        '      - -y',
        '      - "@modelcontextprotocol/server-filesystem"',
        '      - /Users/me/Desktop',
        '  github:',
        '    command: npx',
        '    args:',
        '      - -y',
        '      - "@modelcontextprotocol/server-github"',
        '    env:',
        '      GITHUB_PERSONAL_ACCESS_TOKEN: <token>',
        '      PORT: "8080"',
        '',
      ].join('\n'),
    );
    expect(result.servers).toBe(2);
    expect(result.warnings).toEqual(['ignored top-level key "globalShortcut": only servers are imported']);
    expect(parseConfigText(result.yaml, 'imported.yaml', { env: {} }).servers.map((s) => s.name)).toEqual(['filesystem', 'github']);
  });

  it('imports Cursor url servers and keeps ${env:...} references for load time', () => {
    const text = JSON.stringify({ mcpServers: { docs: { url: 'https://docs.example.com/mcp', headers: { Authorization: 'Bearer ${env:DOCS_TOKEN}' } } } });
    const result = importClientConfig(text, '/home/me/.cursor/mcp.json');
    expect(result.yaml).toContain('# 1 server from its "mcpServers" (Cursor).');
    expect(result.yaml).toContain('    url: https://docs.example.com/mcp\n    headers:\n      Authorization: Bearer ${env:DOCS_TOKEN}\n');
    expect(result.warnings).toEqual([]);
    expect(parseConfigText(result.yaml, 'i.yaml', { env: { DOCS_TOKEN: 't' } }).servers[0]).toMatchObject({ headers: { Authorization: 'Bearer t' } });
  });

  it('imports VS Code mcp.json: renames gallery names, drops client keys, explains inputs', () => {
    const text = `{
      // VS Code writes JSONC
      "inputs": [{ "type": "promptString", "id": "github_token", "password": true }],
      "servers": {
        "io.github.github/github-mcp-server": {
          "type": "http",
          "url": "https://api.githubcopilot.com/mcp/",
          "headers": { "Authorization": "Bearer \${input:github_token}" },
          "gallery": "https://api.mcp.github.com",
          "version": "1.0.3"
        },
        "fs": { "type": "stdio", "command": "npx", "args": ["\${workspaceFolder}"], "envFile": ".env", "dev": { "watch": "src/**" } },
        "events": { "type": "sse", "url": "http://localhost:3001/sse" },
      },
    }`;
    const result = importClientConfig(text, '/p/.vscode/mcp.json');
    expect(result.yaml).toContain(
      [
        'servers:',
        '  # "io.github.github/github-mcp-server" in the client\'s file',
        '  github-mcp-server:',
        '    url: https://api.githubcopilot.com/mcp/',
        '    headers:',
        '      Authorization: Bearer ${input:github_token}',
        '  fs:',
        '    command: npx',
        '    args:',
        '      - ${workspaceFolder}',
        '    envFile: .env',
        '  events:',
        '    type: sse',
        '    url: http://localhost:3001/sse',
      ].join('\n'),
    );
    expect(result.warnings).toEqual([
      'ignored top-level key "inputs": only servers are imported',
      'renamed server "io.github.github/github-mcp-server" to "github-mcp-server": names are 1-64 characters of A-Z, a-z, 0-9, "_" and "-"',
      'servers.github-mcp-server: dropped gallery (VS Code: where the server was installed from)',
      'servers.github-mcp-server: dropped version (VS Code: the installed gallery version)',
      "servers.github-mcp-server: ${input:github_token} is a VS Code prompt; set ONLY1MCP_INPUT_GITHUB_TOKEN in the gateway's environment",
      'servers.fs: dropped dev (VS Code: restart-on-change and debugging for server development)',
      'servers.fs: ${workspaceFolder} is a VS Code variable; replace it with a path',
    ]);
  });

  it('imports mcp.servers from VS Code settings.json, nested or dotted', () => {
    for (const text of [
      JSON.stringify({ 'editor.fontSize': 14, 'workbench.colorTheme': 'Default Dark+', mcp: { servers: { a: { command: 'x' } } } }),
      JSON.stringify({ 'mcp.servers': { a: { command: 'x' } } }),
    ]) {
      const result = importClientConfig(text, '/home/me/.config/Code/User/settings.json');
      expect(result.servers).toBe(1);
      expect(result.yaml).toContain('(VS Code settings)');
      expect(result.yaml).toContain('servers:\n  a:\n    command: x\n');
    }
    const settings = JSON.stringify({ 'editor.fontSize': 14, 'workbench.colorTheme': 'Default Dark+', mcp: { servers: {} } });
    expect(importClientConfig(settings, 'settings.json').warnings).toEqual([
      'ignored top-level keys "editor.fontSize", "workbench.colorTheme": only servers are imported',
    ]);
  });

  it('imports Cline: url without a type stays SSE, seconds become milliseconds, disabled stays off', () => {
    const text = JSON.stringify({
      mcpServers: {
        events: { url: 'https://events.example.com/sse', disabled: true, timeout: 30, autoApprove: ['list'], alwaysAllow: [] },
        stream: { type: 'streamableHttp', url: 'https://s.example.com/mcp' },
        local: { transportType: 'stdio', command: 'node', args: ['s.js'] },
      },
    });
    const result = importClientConfig(text, '/x/settings/cline_mcp_settings.json');
    expect(result.yaml).toContain(
      [
        'servers:',
        '  events:',
        '    type: sse',
        '    url: https://events.example.com/sse',
        '    enabled: false',
        '    timeoutMs: 30000',
        '  stream:',
        '    url: https://s.example.com/mcp',
        '  local:',
        '    command: node',
      ].join('\n'),
    );
    expect(result.warnings).toEqual(['servers.events: dropped autoApprove (Cline: tools run without asking the user)']);
    expect(parseConfigText(result.yaml, 'i.yaml', { env: {} }).servers.map((s) => s.type)).toEqual(['sse', 'streamable-http', 'stdio']);
  });

  it('imports Windsurf: serverUrl becomes url; hidden tools stay hidden (tools.deny)', () => {
    const text = JSON.stringify({
      mcpServers: {
        remote: { serverUrl: 'https://r.example.com/mcp', disabledTools: ['delete_all'] },
        other: { url: 'https://o.example.com/mcp', mystery: 1, type: 'websocket' },
        broken: 'npx x',
      },
    });
    const result = importClientConfig(text, '/home/me/.codeium/windsurf/mcp_config.json');
    expect(result.yaml).toContain('servers:\n  remote:\n    url: https://r.example.com/mcp\n    tools:\n      deny:\n        - delete_all\n  other:\n    url: https://o.example.com/mcp\n');
    expect(parseConfigText(result.yaml, 'i.yaml', { env: {} }).servers[0]?.common.shaping.tools.deny).toEqual(['delete_all']);
    expect(result.servers).toBe(2);
    expect(result.warnings).toEqual([
      'servers.other: dropped unknown type "websocket"; the type is inferred',
      'servers.other: dropped unknown key "mystery"',
      'skipped server "broken": expected an object',
    ]);
  });

  it('drops disabledTools entries that are not tool names, with a warning', () => {
    const text = JSON.stringify({ mcpServers: { r: { url: 'https://r.example.com/mcp', disabledTools: ['a', 3, ''] }, s: { url: 'https://s.example.com/mcp', disabledTools: 'a' } } });
    const result = importClientConfig(text, '/home/me/.codeium/windsurf/mcp_config.json');
    expect(result.warnings).toEqual(['servers.r: dropped disabledTools entries that are not tool names', 'servers.s: dropped disabledTools entries that are not tool names']);
    expect(parseConfigText(result.yaml, 'i.yaml', { env: {} }).servers.map((x) => x.common.shaping.tools.deny)).toEqual([['a'], []]);
  });

  it('writes an empty server map when there is nothing to import', () => {
    const result = importClientConfig('{"mcpServers": {}}', 'claude_desktop_config.json');
    expect(result.yaml).toContain('# 0 servers from its "mcpServers" (Claude Desktop).');
    expect(result.yaml).toContain('servers: {}\n');
  });

  const errors: [string, string, string][] = [
    ['no servers at all', '{"editor.fontSize": 14}', 'settings.json:1:1: no MCP servers found: expected mcpServers (Claude Desktop, Cursor, Windsurf, Cline), servers (VS Code mcp.json) or mcp.servers (VS Code settings.json)'],
    ['servers not an object', '{\n  "mcpServers": []\n}', 'settings.json:2:3: mcpServers: expected an object of servers by name'],
    ['not an object', '[]', 'settings.json:1:1: expected an object with the MCP servers'],
    ['a syntax error', '{"mcpServers": {', 'settings.json:1:17: close brace expected'],
  ];
  it.each(errors)('reports %s', (_title, text, expected) => {
    try {
      importClientConfig(text, 'settings.json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).format()).toBe(expected);
    }
  });
});

describe('serverName', () => {
  it('keeps valid names and repairs others', () => {
    expect(serverName('github', new Set())).toBe('github');
    expect(serverName('Microsoft Learn - MCP', new Set())).toBe('Microsoft-Learn-MCP');
    expect(serverName('microsoft/markitdown', new Set())).toBe('markitdown');
    expect(serverName('***', new Set())).toBe('server');
    expect(serverName('a.b', new Set(['a-b']))).toBe('a-b-2');
    expect(serverName('github', new Set(['github', 'github-2']))).toBe('github-3');
    expect(serverName('x'.repeat(70), new Set())).toHaveLength(64);
  });
});
