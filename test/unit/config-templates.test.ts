import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load.js';
import { TEMPLATES, type TemplateName } from '../../src/config/templates.js';

/** The variables the templates reference, as a user would export them. */
const ENV = {
  GITHUB_TOKEN: 'ghp_x',
  REDIS_URL: 'rediss://redis.example.com:6380',
  JIRA_TOKEN: 'j',
  WAREHOUSE_TOKEN: 'w',
  SEARCH_API_KEY: 's',
  IDP_JWKS_URL: 'https://login.example.com/jwks.json',
  IDP_ISSUER: 'https://login.example.com',
  IDP_TOKEN_ENDPOINT: 'https://login.example.com/token',
  ONLY1MCP_CLIENT_SECRET: 'c',
};

describe('config templates', () => {
  it.each(Object.keys(TEMPLATES) as TemplateName[])('%s parses and validates', (name) => {
    const cfg = parseConfigText(TEMPLATES[name], `${name}.yaml`, { env: ENV });
    expect(cfg.servers.length).toBeGreaterThan(0);
  });

  it.each(Object.keys(TEMPLATES) as TemplateName[])('%s explains itself in comments', (name) => {
    const lines = TEMPLATES[name].split('\n');
    expect(lines[0]).toMatch(/^# only1mcp - /);
    expect(lines.filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(10);
  });

  it('solo: loopback, one worker, local stdio servers', () => {
    const cfg = parseConfigText(TEMPLATES.solo, 'solo.yaml', { env: {} });
    expect(cfg.listen.host).toBe('127.0.0.1');
    expect(cfg.workers).toBe(1);
    expect(cfg.redisUrl).toBeUndefined();
    expect(cfg.servers.map((s) => [s.name, s.type])).toEqual([
      ['filesystem', 'stdio'],
      ['memory', 'stdio'],
    ]);
  });

  it('team: every interface, workers per core, redis, origins, HTTP backends', () => {
    const cfg = parseConfigText(TEMPLATES.team, 'team.yaml', { env: { GITHUB_TOKEN: 't' } });
    expect(cfg.listen).toMatchObject({ host: '0.0.0.0', allowedOrigins: ['https://chat.example.internal'] });
    expect(cfg.workers).toBe(0);
    expect(cfg.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(cfg.servers.map((s) => s.type)).toEqual(['streamable-http', 'streamable-http', 'sse', 'stdio']);
    // API keys by hash, two roles, a limit per person, audit on stdout.
    expect(cfg.auth.apiKeys.map((k) => [k.principal, k.roles])).toEqual([
      ['alice', ['admin']],
      ['ci-bot', ['developer']],
    ]);
    expect(Object.keys(cfg.auth.roles)).toEqual(['admin', 'developer']);
    expect(cfg.auth.rateLimits).toMatchObject([{ name: 'per-person', per: ['principal'], limit: 120, windowMs: 60_000 }]);
    expect(cfg.auth.audit?.destination).toEqual({ kind: 'stream', fd: 1 });
  });

  it('enterprise: fixed workers, required redis, tighter limits', () => {
    const cfg = parseConfigText(TEMPLATES.enterprise, 'enterprise.yaml', { env: ENV });
    expect(cfg.workers).toBe(8);
    expect(cfg.redisUrl).toBe(ENV.REDIS_URL);
    expect(cfg.listen.maxBodyBytes).toBe(1048576);
    expect(cfg.context.mode).toBe('search');
    expect(cfg.servers.find((s) => s.name === 'legacy-crm')?.common.enabled).toBe(false);
    // JWTs of the organisation's IdP, bound to the gateway's resource URL; Jira gets exchanged tokens.
    expect(cfg.auth.jwt).toMatchObject({ keys: { kind: 'jwks', url: ENV.IDP_JWKS_URL }, issuers: [ENV.IDP_ISSUER], audiences: ['https://mcp.corp.example.com/mcp'] });
    expect(cfg.auth.oauth?.requiredScopes).toEqual(['mcp.tools']);
    expect(cfg.auth.upstream.jira?.tokenExchange).toMatchObject({ tokenEndpoint: ENV.IDP_TOKEN_ENDPOINT, clientSecret: 'c', target: { kind: 'header', name: 'Authorization' } });
    expect(cfg.auth.rateLimits.map((r) => r.name)).toEqual(['per-user', 'warehouse-queries']);
    const redisLine = TEMPLATES.enterprise.split('\n').findIndex((l) => l.startsWith('redis:')) + 1;
    expect(() => parseConfigText(TEMPLATES.enterprise, 'enterprise.yaml', { env: { ...ENV, REDIS_URL: undefined } })).toThrow(
      `enterprise.yaml:${redisLine}:1: redis: environment variable REDIS_URL is not set`,
    );
    expect(() => parseConfigText(TEMPLATES.enterprise, 'e.yaml', { env: {} })).toThrow(ConfigError);
  });
});
