/**
 * The OAuth resource server as the MCP SDK's own client sees it: a real
 * HTTP front (node:http, the gate at the edge, the RFC 9728 document at its
 * well-known paths) and a real authorization server (test/helpers/jwks.ts).
 * The SDK reads the 401's WWW-Authenticate, discovers the protected-resource
 * metadata and the authorization server from the gateway alone, gets a
 * token for the gateway's resource (RFC 8707) with its client-credentials
 * provider, and that token passes the gate.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, ClientCredentialsProvider, discoverOAuthProtectedResourceMetadata, extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import { AuthGate } from '../../src/auth/gate.js';
import { parseConfigText } from '../../src/config/load.js';
import { freePort } from '../helpers/ports.js';
import { TestIdentityProvider } from '../helpers/jwks.js';

let idp: TestIdentityProvider;
let front: http.Server;
let gate: AuthGate;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['ES256']);
  idp.clients.set('agent-1', { secret: 's3cret', roles: ['reader'] });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const cfg = parseConfigText(
    `auth:\n  jwt:\n    jwksUrl: ${idp.url}\n    algorithms: [ES256]\n  oauth:\n    resource: ${base}/mcp\n    authorizationServers: [${idp.issuer}]\n    scopesSupported: [mcp.tools]\n    requiredScopes: [mcp.tools]\n`,
    'oauth.yaml',
    { env: {} },
  );
  gate = new AuthGate(cfg.auth);
  await gate.warm();
  // The front door in miniature: what the worker will do with the gate's answers.
  front = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const meta = gate.metadata!;
    if (req.method === 'GET' && meta.paths.includes(req.url ?? '')) return void res.writeHead(200, meta.headers).end(meta.body);
    if (req.url !== '/mcp') return void res.writeHead(404).end();
    void gate.authenticate({ authorization: req.headers.authorization, apiKey: req.headers['x-api-key'] as string | undefined }).then((o) => {
      if (!o.ok) return void res.writeHead(o.status, { 'content-type': 'application/json', ...(o.wwwAuthenticate ? { 'www-authenticate': o.wwwAuthenticate } : {}) }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: o.error.toJsonRpc() }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ principal: o.principal.id, roles: o.principal.roles, scopes: o.principal.scopes }));
    });
  });
  await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve));
});

afterAll(async () => {
  front.closeAllConnections();
  await new Promise((r) => front.close(r));
  await idp.stop();
});

describe('OAuth discovery with the MCP SDK client', () => {
  it('parses the 401 challenge and finds the metadata the gateway serves', async () => {
    const res = await fetch(`${base}/mcp`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const params = extractWWWAuthenticateParams(res);
    expect(params.resourceMetadataUrl?.href).toBe(`${base}/.well-known/oauth-protected-resource/mcp`);
    expect(params.scope).toBe('mcp.tools');
    const meta = await discoverOAuthProtectedResourceMetadata(new URL(`${base}/mcp`));
    expect(meta).toMatchObject({ resource: `${base}/mcp`, authorization_servers: [idp.issuer], scopes_supported: ['mcp.tools'], bearer_methods_supported: ['header'] });
    expect(seen).toContain('GET /.well-known/oauth-protected-resource/mcp');
  });

  it('gets a token for the gateway\'s resource through the discovered authorization server, and the gate admits it', async () => {
    const provider = new ClientCredentialsProvider({ clientId: 'agent-1', clientSecret: 's3cret', expectedIssuer: idp.issuer });
    expect(await auth(provider, { serverUrl: new URL(`${base}/mcp`) })).toBe('AUTHORIZED');
    const request = idp.tokenRequests.at(-1)!;
    expect(request).toMatchObject({ grant_type: 'client_credentials', resource: `${base}/mcp`, scope: 'mcp.tools' });
    const token = provider.tokens()!.access_token;
    const res = await fetch(`${base}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
    expect(await res.json()).toEqual({ principal: 'agent-1', roles: ['reader'], scopes: ['mcp.tools'] });
  });
});
