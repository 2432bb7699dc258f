/**
 * The rest of the identity layer through the real gateway: API keys, the
 * audit log (one line per call, refusal and failed authentication), upstream
 * credentials per principal (an HTTP backend gets the principal's header, a
 * stdio child the principal's environment; never the caller's own token),
 * the MCP SDK client discovering the OAuth protected-resource metadata from
 * the gateway's 401 and getting a resource-bound token, the stdio bridge
 * passing ONLY1MCP_TOKEN, and the refusal to listen beyond loopback without
 * authentication.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, Client, ClientCredentialsProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { generateApiKey, hashApiKey } from '../../src/auth/api-keys.js';
import { CLI, npmServer, startGateway, tempDir, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { TestIdentityProvider } from '../helpers/jwks.js';
import { stopAll } from '../helpers/processes.js';

let idp: TestIdentityProvider;
let gateway: Gateway;
let backend: http.Server;
let backendUrl: string;
const backendHeaders: Array<Record<string, string | string[] | undefined>> = [];
const auditFile = path.join(tempDir('o1m-audit-'), 'audit.jsonl');
const aliceKey = generateApiKey();
const bobKey = generateApiKey();
const clients: Client[] = [];

/** A 2025-era Streamable HTTP backend that records the headers of every request it gets. */
function recordingBackend(): Promise<void> {
  backend = http.createServer((req, res) => {
    backendHeaders.push(req.headers);
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const message = JSON.parse(body) as { id?: number; method: string };
      if (message.id === undefined) return void res.writeHead(202).end();
      const result =
        message.method === 'initialize'
          ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'rec', version: '1' } }
          : message.method === 'tools/list'
            ? { tools: [{ name: 'whoami', inputSchema: { type: 'object' } }] }
            : message.method === 'tools/call'
              ? { content: [{ type: 'text', text: String(req.headers['x-upstream-user'] ?? 'nobody') }] }
              : {};
      if (message.method === 'server/discover') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'no' } }));
      res.writeHead(200, { 'content-type': 'application/json', ...(message.method === 'initialize' ? { 'mcp-session-id': `s-${Math.random()}` } : {}) }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
  });
  return new Promise((resolve) => backend.listen(0, '127.0.0.1', () => resolve()));
}

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256']);
  idp.clients.set('agent-1', { secret: 's3cret', roles: ['user'] });
  await recordingBackend();
  const port = await freePort();
  backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}/mcp`;
  gateway = await startGateway(
    `servers:
  rec:
    url: ${backendUrl}
    type: streamable-http
${npmServer('ev', '@modelcontextprotocol/server-everything', ['stdio'])}
auth:
  apiKeys:
    - { principal: alice, hash: "${hashApiKey(aliceKey)}", roles: [user] }
    - { principal: bob, hash: "${hashApiKey(bobKey)}", roles: [user] }
  jwt:
    jwksUrl: ${idp.url}
    algorithms: [RS256]
    issuer: ${idp.issuer}
    audience: http://127.0.0.1:${port}/mcp
  oauth:
    resource: http://127.0.0.1:${port}/mcp
    authorizationServers: [${idp.issuer}]
  roles:
    user: { servers: ["*"] }
  audit:
    file: ${auditFile}
  upstream:
    rec:
      principals:
        alice: { headers: { X-Upstream-User: alice-at-rec } }
      unlisted: deny
    ev:
      principals:
        alice: { env: { UPSTREAM_USER: alice-in-child } }
        bob: { env: { UPSTREAM_USER: bob-in-child } }
      unlisted: server-credentials
`,
    { port, workers: 2 },
  );
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  backend?.closeAllConnections();
  await new Promise((r) => backend?.close(r));
  await idp?.stop();
  await stopAll();
});

async function client(headers: Record<string, string>): Promise<Client> {
  const c = new Client({ name: 'edges', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers } }));
  clients.push(c);
  return c;
}

const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

function auditLines(): Array<Record<string, unknown>> {
  return fs.existsSync(auditFile) ? fs.readFileSync(auditFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!check()) throw new Error(`never: ${what}`);
}

describe('upstream credentials per principal', () => {
  it('an HTTP backend gets the principal\'s own header on its own session, never the caller\'s key; an unlisted principal is refused', async () => {
    const alice = await client({ 'x-api-key': aliceKey });
    expect(text(await alice.callTool({ name: 'rec__whoami', arguments: {} }))).toBe('alice-at-rec');
    expect(backendHeaders.some((h) => JSON.stringify(h).includes(aliceKey))).toBe(false);
    const bob = await client({ authorization: `Bearer ${bobKey}` });
    await expect(bob.callTool({ name: 'rec__whoami', arguments: {} })).rejects.toThrow(/may not use server "rec"/);
  });

  it('a stdio child started for a principal gets that principal\'s environment', async () => {
    const alice = await client({ 'x-api-key': aliceKey });
    const bob = await client({ 'x-api-key': bobKey });
    expect(text(await alice.callTool({ name: 'ev__get-env', arguments: {} }))).toContain('alice-in-child');
    const bobs = text(await bob.callTool({ name: 'ev__get-env', arguments: {} }));
    expect(bobs).toContain('bob-in-child');
    expect(bobs).not.toContain('alice-in-child');
  });
});

describe('the audit log', () => {
  it('has one line per call, per denied attempt and per failed authentication, without the credential', async () => {
    const alice = await client({ 'x-api-key': aliceKey });
    await alice.callTool({ name: 'ev__echo', arguments: { message: 'audited' } });
    await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer not-a-key' }, body: '{}' });
    await eventually(() => auditLines().some((l) => l.outcome === 'unauthenticated') && auditLines().some((l) => l.target === 'ev__echo'), 'audit lines written');
    const call = auditLines().find((l) => l.target === 'ev__echo')!;
    expect(call).toMatchObject({ type: 'audit', principal: 'alice', via: 'api-key', method: 'tools/call', backend: 'ev', outcome: 'ok' });
    expect(typeof call.durationMs).toBe('number');
    expect(call.arguments).toBeUndefined();
    expect(auditLines().find((l) => l.outcome === 'unauthenticated')).toMatchObject({ principal: null, method: 'POST /mcp', code: 'GW_ERR_UNAUTHENTICATED' });
    expect(auditLines().some((l) => l.method === 'tools/call' && l.target === 'rec__whoami' && l.principal === 'bob' && l.outcome === 'denied')).toBe(true);
    expect(fs.readFileSync(auditFile, 'utf8')).not.toContain(aliceKey);
  });
});

describe('OAuth 2.1 resource server', () => {
  it('the SDK client discovers the metadata from the gateway\'s 401, gets a token for the gateway\'s resource, and uses it', async () => {
    const provider = new ClientCredentialsProvider({ clientId: 'agent-1', clientSecret: 's3cret', expectedIssuer: idp.issuer });
    const unauth = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauth.headers.get('www-authenticate')).toContain(`resource_metadata="${gateway.base}/.well-known/oauth-protected-resource/mcp"`);
    expect(await auth(provider, { serverUrl: new URL(gateway.url) })).toBe('AUTHORIZED');
    expect(idp.tokenRequests.at(-1)).toMatchObject({ grant_type: 'client_credentials', resource: gateway.url });
    const c = new Client({ name: 'oauth', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider: provider }));
    clients.push(c);
    expect(text(await c.callTool({ name: 'ev__echo', arguments: { message: 'via oauth' } }))).toContain('via oauth');
  });
});

describe('the stdio bridge and the CLI', () => {
  it('the bridge sends ONLY1MCP_TOKEN; without it the desktop client gets the gateway\'s refusal', async () => {
    const bridged = new Client({ name: 'desktop', version: '1' });
    await bridged.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', '--url', gateway.url], env: { ...process.env, ONLY1MCP_TOKEN: aliceKey } as Record<string, string>, stderr: 'pipe' }));
    clients.push(bridged);
    expect(text(await bridged.callTool({ name: 'ev__echo', arguments: { message: 'bridged' } }))).toContain('bridged');
    const anonymous = new Client({ name: 'desktop', version: '1' });
    await expect(anonymous.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'stdio', '--url', gateway.url], env: { PATH: process.env.PATH ?? '' }, stderr: 'pipe' }))).rejects.toThrow(/authentication required|401/i);
  });

  it('refuses to listen beyond loopback without authentication, unless told to', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'open.yaml');
    fs.writeFileSync(config, 'servers: {}\n');
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [CLI, 'start', '--foreground', '--config', config, '--host', '0.0.0.0', '--port', '0', ...args], { env: { ...process.env, XDG_STATE_HOME: dir } });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('only1mcp ready')) p.kill('SIGTERM');
        });
        p.on('close', (code) => resolve({ code, out }));
      });
    const refused = await run([]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/refusing to listen on 0\.0\.0\.0 without authentication.*--allow-unauthenticated/s);
    const allowed = await run(['--allow-unauthenticated']);
    expect(allowed.out).toContain('only1mcp ready');
  }, 60_000);
});
