/**
 * The gate against a real identity provider over HTTP (test/helpers/jwks.ts):
 * RS256/ES256/EdDSA tokens verified through the JWKS, claims checked,
 * keys rotated, unknown kids refetched at most once per cooldown, the IdP
 * going away (stale keys still serve, no keys → 503), verification cached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthGate, type GateOutcome } from '../../src/auth/gate.js';
import { hashApiKey } from '../../src/auth/api-keys.js';
import type { AuthConfig } from '../../src/config/auth-model.js';
import { parseConfigText } from '../../src/config/load.js';
import { TestIdentityProvider } from '../helpers/jwks.js';

let idp: TestIdentityProvider;

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256', 'ES256', 'EdDSA']);
});

afterAll(async () => {
  await idp.stop();
});

function authConfig(extra = '', provider = idp): AuthConfig {
  const text = `auth:
  jwt:
    jwksUrl: ${provider.url}
    issuer: ${provider.issuer}
    audience: ${provider.audience}
    jwksCooldownSeconds: 1
${extra}`;
  return parseConfigText(text, 'auth.yaml', { env: {} }).auth;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function principalOf(o: GateOutcome): { id: string; roles: readonly string[]; via: string } {
  if (!o.ok) throw new Error(`refused: ${o.status} ${o.error.message}`);
  return { id: o.principal.id, roles: o.principal.roles, via: o.principal.via };
}

function refusal(o: GateOutcome): { status: number; message: string; challenge: string | undefined; code: string } {
  if (o.ok) throw new Error(`accepted as ${o.principal.id}`);
  return { status: o.status, message: o.error.message, challenge: o.wwwAuthenticate, code: o.error.errorName };
}

describe('JWT through a JWKS', () => {
  it('accepts tokens signed with each of RS256, ES256 and EdDSA, with principal and roles from the claims', async () => {
    const gate = new AuthGate(authConfig());
    expect(await gate.warm()).toBe(true);
    for (const key of idp.keys) {
      const token = await idp.token({ sub: `user-${key.alg}`, roles: ['reader', 'ops'] }, { key });
      expect(principalOf(await gate.authenticate(bearer(token)))).toEqual({ id: `user-${key.alg}`, roles: ['reader', 'ops'], via: 'jwt' });
    }
  });

  it('reads principal and roles from configured claims, including nested ones and a space-separated scope string', async () => {
    const gate = new AuthGate(authConfig('    principalClaim: email\n    rolesClaim: realm_access.roles\n'.replace(/^/gm, '')));
    const token = await idp.token({ email: 'bob@example.com', realm_access: { roles: ['admin'] } });
    expect(principalOf(await gate.authenticate(bearer(token)))).toMatchObject({ id: 'bob@example.com', roles: ['admin'] });
    const scoped = new AuthGate(authConfig('    rolesClaim: scope\n'));
    expect(principalOf(await scoped.authenticate(bearer(await idp.token({ scope: 'read write' }))))).toMatchObject({ roles: ['read', 'write'] });
  });

  it('refuses wrong issuer, wrong audience, expired, not-yet-valid and missing exp with 401 and a reason', async () => {
    const gate = new AuthGate(authConfig());
    const now = Math.floor(Date.now() / 1000);
    const cases: [Record<string, unknown>, number | undefined, RegExp][] = [
      [{ iss: 'https://evil.example' }, undefined, /issuer/],
      [{ aud: 'another-service' }, undefined, /audience/],
      [{}, -120, /expired/],
      [{ nbf: now + 600 }, undefined, /not valid yet/],
      [{ exp: undefined }, undefined, /no exp claim/],
      [{ sub: undefined }, undefined, /no sub claim/],
      [{ roles: 'not-a-list-but-a-string-is-fine', sub: 42 }, undefined, /no sub claim/],
      [{ roles: [1, 2] }, undefined, /roles claim is not a list/],
    ];
    for (const [claims, expiresIn, reason] of cases) {
      const r = refusal(await gate.authenticate(bearer(await idp.token(claims, { expiresIn }))));
      expect(r.status).toBe(401);
      expect(r.message).toMatch(reason);
      expect(r.challenge).toMatch(/^Bearer realm="only1mcp", error="invalid_token", error_description="[^"]+"$/);
    }
  });

  it('tolerates the configured clock skew on exp and nbf, and no more', async () => {
    const gate = new AuthGate(authConfig('    clockSkewSeconds: 30\n'));
    const now = Math.floor(Date.now() / 1000);
    expect((await gate.authenticate(bearer(await idp.token({ exp: now - 10 })))).ok).toBe(true);
    expect((await gate.authenticate(bearer(await idp.token({ nbf: now + 10 })))).ok).toBe(true);
    expect((await gate.authenticate(bearer(await idp.token({ exp: now - 60 })))).ok).toBe(false);
    expect((await gate.authenticate(bearer(await idp.token({ nbf: now + 60 })))).ok).toBe(false);
  });

  it('accepts only the configured algorithms', async () => {
    const gate = new AuthGate(authConfig('    algorithms: [ES256]\n'));
    const rs = idp.keys.find((k) => k.alg === 'RS256');
    const es = idp.keys.find((k) => k.alg === 'ES256');
    expect((await gate.authenticate(bearer(await idp.token({}, { key: es })))).ok).toBe(true);
    expect(refusal(await gate.authenticate(bearer(await idp.token({}, { key: rs }))))).toMatchObject({ status: 401, message: /algorithm/ });
  });

  it('verifies a token once and answers its repeats from the cache until it expires', async () => {
    let now = Date.now();
    const gate = new AuthGate(authConfig(), { now: () => now });
    const token = await idp.token({ sub: 'carol' }, { expiresIn: 60 });
    const first = await gate.authenticate(bearer(token));
    const again = await gate.authenticate(bearer(token));
    // The same Principal object: per-principal memos (authorizer grants) key on it.
    expect(first.ok && again.ok && first.principal === again.principal).toBe(true);
    expect(gate.jwt?.cachedTokens).toBe(1);
    // Past exp plus the 30 s default skew.
    now += 91_000;
    expect(refusal(await gate.authenticate(bearer(token)))).toMatchObject({ status: 401, message: /expired/ });
    expect(gate.jwt?.cachedTokens).toBe(0);
  });
});

describe('JWKS lifecycle', () => {
  it('refetches on an unknown kid (a rotated key) at most once per cooldown', async () => {
    const local = await TestIdentityProvider.start(['RS256']);
    try {
      const gate = new AuthGate(authConfig('', local));
      await gate.warm();
      expect(local.fetches).toBe(1);
      const rotated = await local.rotate('RS256');
      // Past the cooldown (1 s) that the first fetch started, a new kid is fetched on first sight.
      await new Promise((r) => setTimeout(r, 1_100));
      expect(principalOf(await gate.authenticate(bearer(await local.token({ sub: 'after-rotation' }, { key: rotated }))))).toMatchObject({ id: 'after-rotation' });
      expect(local.fetches).toBe(2);
      // Forged kids right after: no fetch storm, each refused.
      for (let i = 0; i < 50; i++) {
        const forged = await local.token({ sub: `forged-${i}` }, { key: rotated, header: { kid: `unknown-${i}` } });
        expect(refusal(await gate.authenticate(bearer(forged)))).toMatchObject({ status: 401, message: /no signing key/ });
      }
      expect(local.fetches).toBe(2);
    } finally {
      await local.stop();
    }
  });

  it('keeps verifying with the last good keys while the IdP is down, and answers 503 when it never had any', async () => {
    const local = await TestIdentityProvider.start(['ES256']);
    try {
      const withIssuer = authConfig('', local);
      const gate = new AuthGate(withIssuer);
      await gate.warm();
      local.failWith = 500;
      expect((await gate.authenticate(bearer(await local.token({ sub: 'x' })))).ok).toBe(true);

      const cold = new AuthGate(withIssuer);
      expect(await cold.warm()).toBe(false);
      const r = refusal(await cold.authenticate(bearer(await local.token({ sub: 'y' }))));
      expect(r).toMatchObject({ status: 503, code: 'GW_ERR_AUTH_UNAVAILABLE' });
      expect(r.message).toMatch(/signing keys/);
      local.failWith = undefined;
      await new Promise((res) => setTimeout(res, 1_100));
      expect((await cold.authenticate(bearer(await local.token({ sub: 'y' })))).ok).toBe(true);
    } finally {
      await local.stop();
    }
  });

  it('forgets cached verifications when a refresh removes the key that signed them', async () => {
    const local = await TestIdentityProvider.start(['RS256']);
    try {
      const gate = new AuthGate(authConfig('', local));
      await gate.warm();
      const old = local.keys[0]!;
      const token = await local.token({ sub: 'dave' }, { key: old });
      expect((await gate.authenticate(bearer(token))).ok).toBe(true);
      const fresh = await local.rotate('RS256');
      await new Promise((r) => setTimeout(r, 1_100));
      // A token with the new kid triggers the refresh that drops the old key.
      expect((await gate.authenticate(bearer(await local.token({}, { key: fresh }))))).toMatchObject({ ok: true });
      expect(refusal(await gate.authenticate(bearer(token)))).toMatchObject({ status: 401, message: /no signing key/ });
    } finally {
      await local.stop();
    }
  });
});

describe('API keys and mixed modes', () => {
  const key = 'o1m_test-key-0123456789abcdefghijklmnopqrstuvwxyz';

  it('accepts an API key as Bearer or X-API-Key next to JWTs, and refuses both at once', async () => {
    const gate = new AuthGate(authConfig(`  apiKeys:\n    - principal: ci-bot\n      hash: "${hashApiKey(key)}"\n`));
    expect(principalOf(await gate.authenticate(bearer(key)))).toEqual({ id: 'ci-bot', roles: [], via: 'api-key' });
    expect(principalOf(await gate.authenticate({ apiKey: key }))).toEqual({ id: 'ci-bot', roles: [], via: 'api-key' });
    expect(principalOf(await gate.authenticate(bearer(await idp.token({ sub: 'erin' }))))).toMatchObject({ id: 'erin', via: 'jwt' });
    expect(refusal(await gate.authenticate({ authorization: `Bearer ${key}`, apiKey: key }))).toMatchObject({ status: 401, message: /not both/ });
    expect(refusal(await gate.authenticate({ apiKey: `${key}x` }))).toMatchObject({ status: 401, message: /unknown API key/ });
  });

  it('without credentials: 401 with a bare challenge, or "anonymous" with its roles when allowed', async () => {
    const closed = new AuthGate(authConfig());
    expect(refusal(await closed.authenticate({}))).toEqual({
      status: 401,
      code: 'GW_ERR_UNAUTHENTICATED',
      message: 'authentication required: send Authorization: Bearer <token>',
      challenge: 'Bearer realm="only1mcp"',
    });
    const open = new AuthGate(authConfig('  allowUnauthenticated: true\n  anonymousRoles: [guest]\n  roles:\n    guest: { tools: ["ev__echo"] }\n'));
    expect(principalOf(await open.authenticate({}))).toEqual({ id: 'anonymous', roles: ['guest'], via: 'anonymous' });
    // uWS reports a missing header as "": still no credentials.
    expect(principalOf(await open.authenticate({ authorization: '', apiKey: '' }))).toMatchObject({ id: 'anonymous' });
    expect(refusal(await closed.authenticate({ authorization: '', apiKey: '' }))).toMatchObject({ status: 401, challenge: 'Bearer realm="only1mcp"' });
    // Credentials that are present but wrong are refused even when anonymous access is allowed.
    expect(refusal(await open.authenticate(bearer(await idp.token({}, { expiresIn: -100 }))))).toMatchObject({ status: 401 });
  });

  it('refuses other schemes, oversized credentials and malformed bearer values', async () => {
    const gate = new AuthGate(authConfig());
    expect(refusal(await gate.authenticate({ authorization: 'Basic dXNlcjpwYXNz' }))).toMatchObject({ status: 401, message: /Bearer/ });
    expect(refusal(await gate.authenticate({ authorization: 'Bearer a b' }))).toMatchObject({ status: 401 });
    expect(refusal(await gate.authenticate(bearer('x'.repeat(20_000))))).toMatchObject({ status: 401, message: /longer than/ });
  });

  it('with no auth section: everyone is "anonymous", nothing is checked', async () => {
    const gate = new AuthGate(parseConfigText('servers: {}\n', 'c.yaml', { env: {} }).auth);
    expect(principalOf(await gate.authenticate({ authorization: 'Bearer anything' }))).toEqual({ id: 'anonymous', roles: [], via: 'anonymous' });
  });
});

describe('OAuth resource server', () => {
  const resource = 'https://mcp.example.com/mcp';
  // No jwt.issuer / jwt.audience: they default to the authorization servers and the resource.
  const oauth = (): AuthConfig =>
    parseConfigText(
      `auth:\n  jwt:\n    jwksUrl: ${idp.url}\n  oauth:\n    resource: ${resource}\n    authorizationServers: [${idp.issuer}]\n    requiredScopes: [mcp:tools]\n`,
      'o.yaml',
      { env: {} },
    ).auth;

  it('challenges with resource_metadata and scope, binds the audience to the resource, and answers 403 insufficient_scope', async () => {
    const gate = new AuthGate(oauth());
    expect(refusal(await gate.authenticate({})).challenge).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"',
    );
    // Audience: the resource URL, and nothing else (RFC 8707).
    expect(refusal(await gate.authenticate(bearer(await idp.token({ scope: 'mcp:tools' }))))).toMatchObject({ status: 401, message: /audience/ });
    const ok = await gate.authenticate(bearer(await idp.token({ aud: resource, scope: 'mcp:tools other' })));
    expect(principalOf(ok)).toMatchObject({ id: 'alice' });
    const r = refusal(await gate.authenticate(bearer(await idp.token({ aud: resource, scope: 'other' }))));
    expect(r).toMatchObject({ status: 403, code: 'GW_ERR_FORBIDDEN', message: 'the token lacks the scope mcp:tools' });
    expect(r.challenge).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools", error="insufficient_scope", error_description="the token lacks the scope mcp:tools"',
    );
    // Issuer: the authorization server.
    expect(refusal(await gate.authenticate(bearer(await idp.token({ aud: resource, scope: 'mcp:tools', iss: 'https://other.example' }))))).toMatchObject({ status: 401, message: /issuer/ });
  });

  it('serves RFC 9728 metadata at the path-suffixed and the bare well-known path', () => {
    const gate = new AuthGate(oauth());
    expect(gate.metadata?.paths).toEqual(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
    expect(JSON.parse(gate.metadata!.body)).toEqual({
      resource,
      authorization_servers: [idp.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
    });
  });
});
