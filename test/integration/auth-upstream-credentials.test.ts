/**
 * Upstream credentials per principal: static secrets from the environment
 * and from files, RFC 8693 token exchange against a real token endpoint
 * (test/helpers/jwks.ts) with the exchanged token cached until it expires,
 * and the refusal for callers with neither.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { AuthGate } from '../../src/auth/gate.js';
import { generateApiKey, hashApiKey } from '../../src/auth/api-keys.js';
import { makePrincipal, type Principal } from '../../src/auth/principal.js';
import { UpstreamCredentialResolver } from '../../src/auth/upstream-credentials.js';
import { parseConfigText } from '../../src/config/load.js';
import { TestIdentityProvider } from '../helpers/jwks.js';

let idp: TestIdentityProvider;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o1m-upstream-'));
const apiKey = generateApiKey();

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256']);
  idp.clients.set('only1mcp', { secret: 'gateway-secret' });
  fs.writeFileSync(path.join(dir, 'bob-token'), 'bob-file-secret\n');
});

afterAll(async () => {
  await idp.stop();
});

function load(clientSecret = 'gateway-secret') {
  const text = `servers:
  tickets: { url: "https://tickets.example/mcp", headers: { X-Shared: "1" } }
  local: { command: "node" }
  open: { url: "https://open.example/mcp" }
auth:
  apiKeys:
    - { principal: ci-bot, hash: "${hashApiKey(apiKey)}" }
  jwt:
    jwksUrl: ${idp.url}
    issuer: ${idp.issuer}
    audience: ${idp.audience}
  upstream:
    tickets:
      principals:
        alice: { headers: { Authorization: "Bearer \${ALICE_TICKETS}" } }
        bob: { headers: { Authorization: { file: bob-token, prefix: "Bearer " } } }
      tokenExchange:
        tokenEndpoint: ${idp.base}/token
        clientId: only1mcp
        clientSecret: ${clientSecret}
        audience: https://tickets.example
        scope: tickets.read
    local:
      principals:
        alice: { env: { LOCAL_TOKEN: "alice-local" } }
      unlisted: server-credentials
`;
  return parseConfigText(text, path.join(dir, 'config.yaml'), { env: { ALICE_TICKETS: 'alice-env-secret' } });
}

async function jwtPrincipal(gate: AuthGate, sub: string): Promise<Principal> {
  const o = await gate.authenticate({ authorization: `Bearer ${await idp.token({ sub })}` });
  if (!o.ok) throw new Error(o.error.message);
  return o.principal;
}

describe('upstream credentials', () => {
  it('gives listed principals their static secrets, from the environment and from files', async () => {
    const r = new UpstreamCredentialResolver(load().auth);
    expect(await r.forServer('tickets', makePrincipal('alice', [], 'jwt'))).toEqual({ ok: true, credentials: { headers: { Authorization: 'Bearer alice-env-secret' }, env: {} } });
    expect(await r.forServer('tickets', makePrincipal('bob', [], 'api-key'))).toEqual({ ok: true, credentials: { headers: { Authorization: 'Bearer bob-file-secret' }, env: {} } });
    expect(await r.forServer('local', makePrincipal('alice', [], 'jwt'))).toEqual({ ok: true, credentials: { headers: {}, env: { LOCAL_TOKEN: 'alice-local' } } });
    // Unlisted callers of "local" use the server's own; servers without an entry too.
    expect(await r.forServer('local', makePrincipal('zed', [], 'jwt'))).toEqual({ ok: true, credentials: undefined });
    expect(await r.forServer('open', makePrincipal('zed', [], 'jwt'))).toEqual({ ok: true, credentials: undefined });
    expect([r.perPrincipal('tickets'), r.perPrincipal('open')]).toEqual([true, false]);
  });

  it('exchanges a JWT caller\'s token for one minted for the backend (RFC 8693), once per token until it expires', async () => {
    const cfg = load();
    const gate = new AuthGate(cfg.auth, { keepSubjectTokens: true });
    const resolver = new UpstreamCredentialResolver(cfg.auth);
    const carol = await jwtPrincipal(gate, 'carol');
    const before = idp.tokenRequests.length;
    const [first, second] = await Promise.all([resolver.forServer('tickets', carol), resolver.forServer('tickets', carol)]);
    const again = await resolver.forServer('tickets', carol);
    expect(idp.tokenRequests.length - before).toBe(1);
    expect(first).toEqual(second);
    expect(again).toEqual(first);
    if (!first.ok || first.credentials === undefined) throw new Error('no credentials');
    const header = first.credentials.headers.Authorization as string;
    const minted = decodeJwt(header.replace(/^Bearer /, ''));
    expect(minted).toMatchObject({ sub: 'carol', aud: 'https://tickets.example', act: { sub: 'only1mcp' }, scope: 'tickets.read' });
    const request = idp.tokenRequests.at(-1)!;
    expect(request).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'https://tickets.example',
      scope: 'tickets.read',
    });
    // The backend's token is not the caller's.
    expect(header).not.toContain(request.subject_token);
  });

  it('refuses a caller with neither a static entry nor a token to exchange, naming the permission', async () => {
    const cfg = load();
    const gate = new AuthGate(cfg.auth, { keepSubjectTokens: true });
    const bot = await gate.authenticate({ apiKey });
    if (!bot.ok) throw new Error('api key refused');
    const r = await new UpstreamCredentialResolver(cfg.auth).forServer('tickets', bot.principal);
    if (r.ok) throw new Error('expected a refusal');
    expect(r.error.toJsonRpc()).toMatchObject({ code: -31052, data: { code: 'GW_ERR_PERMISSION_DENIED', permission: 'upstream tickets' } });
    expect(r.error.message).toMatch(/principal "ci-bot" may not use server "tickets": it takes exchanged tokens/);
  });

  it('reports a failed exchange as GW_ERR_UPSTREAM_CREDENTIALS and tries again next time', async () => {
    const cfg = load('wrong-secret');
    const gate = new AuthGate(cfg.auth, { keepSubjectTokens: true });
    const resolver = new UpstreamCredentialResolver(cfg.auth);
    const dan = await jwtPrincipal(gate, 'dan');
    const before = idp.tokenRequests.length;
    for (let i = 0; i < 2; i++) {
      const r = await resolver.forServer('tickets', dan);
      if (r.ok) throw new Error('expected a failure');
      expect(r.error.toJsonRpc()).toMatchObject({
        code: -31055,
        message: 'credentials for server "tickets" could not be obtained for principal "dan": the token endpoint answered HTTP 401 invalid_client',
        data: { code: 'GW_ERR_UPSTREAM_CREDENTIALS', backend: 'tickets' },
      });
    }
    expect(idp.tokenRequests.length - before).toBe(2);
  });
});
