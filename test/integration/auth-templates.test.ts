/**
 * `config generate --template team|enterprise` produce auth configs that
 * work, not just parse: the team template's API-key workflow (a key from
 * hash-key, its hash in place of the example) authenticates and its roles
 * decide; the enterprise template, pointed at a real identity provider,
 * verifies the IdP's tokens bound to the gateway's resource, requires the
 * scope, and exchanges callers' tokens for Jira.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { generateApiKey, hashApiKey } from '../../src/auth/api-keys.js';
import { createIdentity } from '../../src/auth/identity.js';
import { parseConfigText } from '../../src/config/load.js';
import { TEMPLATES } from '../../src/config/templates.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { tempDir } from '../helpers/gateway.js';
import { TestIdentityProvider } from '../helpers/jwks.js';

let idp: TestIdentityProvider;

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256']);
  idp.clients.set('only1mcp-gateway', { secret: 'gateway-secret' });
});

afterAll(async () => {
  await idp.stop();
});

const identity = (auth: Parameters<typeof createIdentity>[0]) => createIdentity(auth, { store: new MemoryStore(), localShare: 1, warn: () => undefined });

describe('auth templates', () => {
  it('team: a key made by hash-key, its hash in the template, authenticates; roles decide what it may call', async () => {
    const key = generateApiKey();
    const text = TEMPLATES.team.replace(/sha256:PsJh8MwFRLCsS2skL5sxw9V1_N10s8ojtNn4IpEgeyk/, hashApiKey(key));
    const cfg = parseConfigText(text, 'team.yaml', { env: { GITHUB_TOKEN: 't' } });
    const id = identity(cfg.auth);
    const alice = await id.gate.authenticate({ authorization: `Bearer ${key}` });
    if (!alice.ok) throw new Error(alice.error.message);
    expect(alice.principal).toMatchObject({ id: 'alice', roles: ['admin'] });
    expect(id.authorizer.authorize(alice.principal, 'admin').allowed).toBe(true);
    expect(await id.gate.authenticate({})).toMatchObject({ ok: false, status: 401 });
    const dev = { id: 'ci-bot', roles: ['developer'], via: 'api-key' as const, scopes: [], expiresAt: undefined };
    expect(id.authorizer.authorize(dev, 'tools/call', { server: 'github', name: 'github__list_issues', original: 'list_issues' }).allowed).toBe(true);
    expect(id.authorizer.authorize(dev, 'tools/call', { server: 'github', name: 'github__delete_repository', original: 'delete_repository' }).allowed).toBe(false);
    expect(id.authorizer.authorize(dev, 'tools/call', { server: 'docs', name: 'docs__search', original: 'search' }).allowed).toBe(true);
    expect(id.authorizer.authorize(dev, 'admin').allowed).toBe(false);
  });

  it('enterprise: verifies the IdP\'s tokens for its resource with the scope, and exchanges them for Jira', async () => {
    const env = {
      REDIS_URL: 'rediss://redis.example.com:6380',
      WAREHOUSE_TOKEN: 'w',
      SEARCH_API_KEY: 's',
      IDP_JWKS_URL: idp.url,
      IDP_ISSUER: idp.issuer,
      IDP_TOKEN_ENDPOINT: `${idp.base}/token`,
      ONLY1MCP_CLIENT_SECRET: 'gateway-secret',
    };
    // The audit file goes to a temporary directory, not the machine's /var/log.
    const audit = path.join(tempDir(), 'audit.jsonl');
    const text = TEMPLATES.enterprise.replace('file: /var/log/only1mcp/audit.jsonl', `file: ${audit}`);
    expect(text).not.toBe(TEMPLATES.enterprise);
    const cfg = parseConfigText(text, 'enterprise.yaml', { env });
    const id = identity(cfg.auth);
    expect(await id.warm()).toBe(true);
    const resource = 'https://mcp.corp.example.com/mcp';
    const token = await idp.token({ sub: 'eve', roles: ['engineer'], aud: resource, scope: 'openid mcp.tools' });
    const eve = await id.gate.authenticate({ authorization: `Bearer ${token}` });
    if (!eve.ok) throw new Error(eve.error.message);
    expect(id.authorizer.authorize(eve.principal, 'tools/call', { server: 'warehouse', name: 'warehouse__query_readonly', original: 'query_readonly' }).allowed).toBe(true);
    expect(id.authorizer.authorize(eve.principal, 'tools/call', { server: 'warehouse', name: 'warehouse__drop_table', original: 'drop_table' }).allowed).toBe(false);
    // Not for this resource, or without the scope: refused.
    expect(await id.gate.authenticate({ authorization: `Bearer ${await idp.token({ sub: 'eve', scope: 'mcp.tools' })}` })).toMatchObject({ ok: false, status: 401 });
    const noScope = await id.gate.authenticate({ authorization: `Bearer ${await idp.token({ sub: 'eve', aud: resource })}` });
    expect(noScope).toMatchObject({ ok: false, status: 403 });
    expect(!noScope.ok && noScope.wwwAuthenticate).toBe(
      'Bearer resource_metadata="https://mcp.corp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp.tools", error="insufficient_scope", error_description="the token lacks the scope mcp.tools"',
    );
    const jira = await id.credentials.forServer('jira', eve.principal);
    if (!jira.ok || jira.credentials === undefined) throw new Error('no Jira credentials');
    expect(decodeJwt((jira.credentials.headers.Authorization as string).slice('Bearer '.length))).toMatchObject({ sub: 'eve', aud: 'https://mcp.atlassian.example.com' });
    await id.close();
  });
});
