/**
 * A real identity provider for tests, on a free loopback port:
 *
 *   GET  /jwks.json                                  the public keys (counts fetches; can be made to fail)
 *   GET  /.well-known/oauth-authorization-server     RFC 8414 metadata naming the endpoints below
 *   POST /token   grant_type=client_credentials      a token for the client (sub = client_id, roles from `clients`)
 *                 grant_type=…:token-exchange        RFC 8693: a new token for the subject token's sub,
 *                                                     audience as asked (the subject token is verified first)
 *
 * Keys are real (jose, RS256/ES256/EdDSA) and can be added, removed and
 * rotated while the server runs; `token()` signs claims with any of them.
 * Issuer is the server's base URL; audience a fixed test value unless
 * the test says otherwise.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type TestAlg = 'RS256' | 'ES256' | 'EdDSA';

export interface TestKey {
  readonly kid: string;
  readonly alg: TestAlg;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface TokenOptions {
  readonly key?: TestKey;
  /** Header overrides (alg, kid, typ…), applied over the key's own. */
  readonly header?: Record<string, unknown>;
  /** Seconds from now; negative for an expired token. Default 300. undefined-valued `exp` in claims removes it. */
  readonly expiresIn?: number;
}

export interface ClientEntry {
  readonly secret: string;
  readonly roles?: readonly string[];
  readonly scope?: string;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TEST_AUDIENCE = 'only1mcp-test';

export class TestIdentityProvider {
  readonly keys: TestKey[] = [];
  /** JWKS fetches served so far. */
  fetches = 0;
  /** Token endpoint requests, newest last (form fields). */
  readonly tokenRequests: Record<string, string>[] = [];
  /** When set, /jwks.json answers with this status and no keys. */
  failWith: number | undefined;
  /** Registered OAuth clients by id. */
  readonly clients = new Map<string, ClientEntry>();
  audience = TEST_AUDIENCE;
  private nextKid = 1;

  private constructor(
    private readonly server: http.Server,
    readonly base: string,
  ) {}

  static async start(algs: readonly TestAlg[] = ['RS256']): Promise<TestIdentityProvider> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const idp = new TestIdentityProvider(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => void idp.handle(req, res));
    for (const alg of algs) await idp.addKey(alg);
    return idp;
  }

  get url(): string {
    return `${this.base}/jwks.json`;
  }

  get issuer(): string {
    return this.base;
  }

  async addKey(alg: TestAlg = 'RS256'): Promise<TestKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const kid = `k${this.nextKid++}-${alg}`;
    const key = { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    this.keys.push(key);
    return key;
  }

  removeKey(kid: string): void {
    const i = this.keys.findIndex((k) => k.kid === kid);
    if (i >= 0) this.keys.splice(i, 1);
  }

  /** A new key of the same algorithm replaces the oldest one. */
  async rotate(alg: TestAlg = 'RS256'): Promise<TestKey> {
    const old = this.keys[0];
    const key = await this.addKey(alg);
    if (old !== undefined) this.removeKey(old.kid);
    return key;
  }

  /** A signed token: iss, aud, sub, iat and exp filled in unless `claims` sets them (an undefined value removes one). */
  async token(claims: JWTPayload = {}, options: TokenOptions = {}): Promise<string> {
    const key = options.key ?? this.keys[0];
    if (key === undefined) throw new Error('the test identity provider has no keys');
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = { iss: this.issuer, aud: this.audience, sub: 'alice', iat: now, exp: now + (options.expiresIn ?? 300), ...claims };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header } as never).sign(key.privateKey);
  }

  /** The variables test/fixtures/auth.yaml reads. */
  fixtureEnv(): Record<string, string> {
    return { ONLY1MCP_TEST_JWKS_URL: this.url, ONLY1MCP_TEST_ISSUER: this.issuer, ONLY1MCP_TEST_AUDIENCE: this.audience };
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/jwks.json') {
      this.fetches++;
      if (this.failWith !== undefined) return json(this.failWith, { error: 'down' });
      return json(200, { keys: this.keys.map((k) => k.publicJwk) });
    }
    if (req.method === 'GET' && req.url === '/.well-known/oauth-authorization-server') {
      return json(200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.base}/authorize`,
        token_endpoint: `${this.base}/token`,
        jwks_uri: this.url,
        grant_types_supported: ['client_credentials', TOKEN_EXCHANGE],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        response_types_supported: ['token'],
      });
    }
    if (req.method === 'POST' && req.url === '/token') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
      this.tokenRequests.push(form);
      const client = this.authenticateClient(req.headers.authorization, form);
      if (client === undefined) return json(401, { error: 'invalid_client' });
      if (form.grant_type === 'client_credentials') {
        const scope = form.scope ?? client.entry.scope;
        const token = await this.token({ sub: client.id, roles: [...(client.entry.roles ?? [])], ...(scope ? { scope } : {}), aud: form.resource ?? this.audience });
        return json(200, { access_token: token, token_type: 'Bearer', expires_in: 300 });
      }
      if (form.grant_type === TOKEN_EXCHANGE) {
        let subject: JWTPayload;
        try {
          ({ payload: subject } = await jwtVerify(form.subject_token ?? '', createLocalJWKSet({ keys: this.keys.map((k) => k.publicJwk) }), { issuer: this.issuer }));
        } catch {
          return json(400, { error: 'invalid_grant' });
        }
        const aud = form.audience ?? form.resource ?? this.audience;
        const token = await this.token({ sub: subject.sub, aud, act: { sub: client.id }, ...(form.scope ? { scope: form.scope } : {}) }, { expiresIn: 120 });
        return json(200, { access_token: token, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 120 });
      }
      return json(400, { error: 'unsupported_grant_type' });
    }
    json(404, { error: 'not found' });
  }

  private authenticateClient(authorization: string | undefined, form: Record<string, string>): { id: string; entry: ClientEntry } | undefined {
    let id = form.client_id;
    let secret = form.client_secret;
    if (authorization?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    const entry = id === undefined ? undefined : this.clients.get(id);
    return entry !== undefined && entry.secret === secret ? { id: id as string, entry } : undefined;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
