/**
 * The `auth:` section: every validation message it can produce, asserted
 * as a user sees it (file:line:col: key path: message), and the model it
 * normalises to (defaults, files read, frozen).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load.js';

const H = `sha256:${'A'.repeat(43)}`;
const H2 = `sha256:${'B'.repeat(43)}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o1m-config-auth-'));
const ENV = { SECRET: 'x'.repeat(40), SHORT: 'short' };

function failure(text: string): string {
  try {
    parseConfigText(text, 'c.yaml', { env: ENV });
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const spki = (key: KeyObject) => JSON.stringify(key.export({ type: 'spki', format: 'pem' }).toString());
const P384 = spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey);
const RSA1024 = spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
const jwt = (body: string) => `auth:\n  jwt:\n${body.replace(/^/gm, '    ')}\n`;
const open = (body: string) => `auth:\n  allowUnauthenticated: true\n${body}`;

describe('auth: config errors', () => {
  const cases: [string, string, string][] = [
    ['not an object', 'auth: true\n', 'c.yaml:1:1: auth: expected an object, got a boolean'],
    ['unknown key', open('  anonymousRole: []\n'), 'c.yaml:3:3: auth.anonymousRole: unknown key (did you mean "anonymousRoles"?)'],
    ['no way to authenticate', 'auth: {}\n', 'c.yaml:1:1: auth: configures no way to authenticate: add apiKeys or jwt, or set allowUnauthenticated: true to serve everyone as "anonymous"'],
    ['empty principal', `auth:\n  apiKeys:\n    - { principal: "", hash: "${H}" }\n`, 'c.yaml:3:9: auth.apiKeys[0].principal: must not be empty'],
    ['long principal', `auth:\n  apiKeys:\n    - { principal: "${'p'.repeat(257)}", hash: "${H}" }\n`, 'c.yaml:3:9: auth.apiKeys[0].principal: must be at most 256 characters'],
    ['hash not a hash', 'auth:\n  apiKeys:\n    - { principal: a, hash: "o1m_plaintext-key" }\n', 'c.yaml:3:23: auth.apiKeys[0].hash: expected "sha256:" and 43 base64url characters, as printed by `only1mcp auth hash-key`'],
    ['bad role name', `auth:\n  apiKeys:\n    - { principal: a, hash: "${H}", roles: ["bad role"] }\n`, 'c.yaml:3:91: auth.apiKeys[0].roles[0]: a role name is 1-64 characters of A-Z, a-z, 0-9, "_", "-", "." and ":"'],
    ['too many keys', `auth:\n  apiKeys: ${JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ principal: 'p', hash: `sha256:${String(i).padStart(43, 'A')}` })))}\n`, 'c.yaml:2:3: auth.apiKeys: at most 1000 keys'],
    [
      'roles nobody defined, a key listed twice, anonymous roles without anonymous access',
      `auth:\n  anonymousRoles: [x]\n  defaultRoles: [y]\n  apiKeys:\n    - { principal: a, hash: "${H}" }\n    - { principal: b, hash: "${H}", roles: [z] }\n`,
      [
        'c.yaml:2:3: auth.anonymousRoles: needs allowUnauthenticated: true (without it nobody is anonymous)',
        'c.yaml:2:20: auth.anonymousRoles[0]: role "x" is not defined under auth.roles',
        'c.yaml:3:18: auth.defaultRoles[0]: role "y" is not defined under auth.roles',
        'c.yaml:6:23: auth.apiKeys[1].hash: the same key as apiKeys[0]',
        'c.yaml:6:91: auth.apiKeys[1].roles[0]: role "z" is not defined under auth.roles',
      ].join('\n'),
    ],
    ['issuer of the wrong type, empty audience list', jwt('jwksUrl: https://idp.example/jwks\nissuer: 5\naudience: []'), 'c.yaml:4:5: auth.jwt.issuer: expected an issuer or a list of them\nc.yaml:5:5: auth.jwt.audience: must not be empty'],
    [
      'jwt without issuer and audience',
      jwt('jwksUrl: https://idp.example/jwks'),
      'c.yaml:2:3: auth.jwt: needs issuer (or oauth.authorizationServers): tokens of any issuer the keys sign for would pass\nc.yaml:2:3: auth.jwt: needs audience (or oauth.resource): tokens minted for other services would pass',
    ],
    ['algorithm "none"', jwt('jwksUrl: https://idp.example/jwks\nissuer: i\naudience: a\nalgorithms: [RS256, none]'), 'c.yaml:6:25: auth.jwt.algorithms[1]: expected one of "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519", "HS256", "HS384", "HS512", got "none"'],
    ['no algorithms', jwt('jwksUrl: https://idp.example/jwks\nissuer: i\naudience: a\nalgorithms: []'), 'c.yaml:6:5: auth.jwt.algorithms: must not be empty'],
    ['clock skew too large', jwt('jwksUrl: https://idp.example/jwks\nissuer: i\naudience: a\nclockSkewSeconds: 600'), 'c.yaml:6:5: auth.jwt.clockSkewSeconds: must be an integer from 0 to 300 (seconds)'],
    [
      'JWKS timings out of range',
      jwt('jwksUrl: https://idp.example/jwks\nissuer: i\naudience: a\njwksRefreshSeconds: 5\njwksCooldownSeconds: 0'),
      'c.yaml:6:5: auth.jwt.jwksRefreshSeconds: must be an integer from 60 to 86400 (seconds)\nc.yaml:7:5: auth.jwt.jwksCooldownSeconds: must be an integer from 1 to 3600 (seconds)',
    ],
    ['JWKS URL not http', jwt('jwksUrl: file:///etc/jwks\nissuer: i\naudience: a'), 'c.yaml:3:5: auth.jwt.jwksUrl: expected an http:// or https:// URL'],
    ['no key source', jwt('issuer: i\naudience: a'), 'c.yaml:2:3: auth.jwt: needs one key source: jwksUrl, publicKey, publicKeyFile or secret'],
    ['two key sources', jwt('jwksUrl: https://idp.example/jwks\nsecret: "${SECRET}"\nissuer: i\naudience: a'), 'c.yaml:4:5: auth.jwt.secret: jwksUrl and secret are two key sources; keep one'],
    ['HS256 with a JWKS (algorithm confusion)', jwt('jwksUrl: https://idp.example/jwks\nissuer: i\naudience: a\nalgorithms: [HS256]'), 'c.yaml:6:18: auth.jwt.algorithms[0]: HS256 needs a shared secret; with jwksUrl only public-key algorithms are accepted'],
    [
      'short secret, RS256 with a secret',
      jwt('secret: "${SHORT}"\nissuer: i\naudience: a\nalgorithms: [RS256]'),
      'c.yaml:3:5: auth.jwt.secret: must be at least 32 bytes (RFC 7518 §3.2)\nc.yaml:6:18: auth.jwt.algorithms[0]: RS256 needs a public key, not a shared secret',
    ],
    ['static key without algorithms', jwt('publicKey: "x"\nissuer: i\naudience: a'), "c.yaml:2:3: auth.jwt.algorithms: is required with publicKey (the key's algorithm, e.g. [RS256])"],
    ['not a key', jwt('publicKey: "not a key"\nissuer: i\naudience: a\nalgorithms: [RS256]'), 'c.yaml:3:5: auth.jwt.publicKey: not a public key: expected a PEM "PUBLIC KEY" (or certificate) block, or one JWK as JSON'],
    [
      'a key that cannot verify the algorithms',
      jwt(`publicKey: ${P384}\nissuer: i\naudience: a\nalgorithms: [ES256, RS256]`),
      'c.yaml:6:18: auth.jwt.algorithms[0]: ES256 needs curve prime256v1, and this key is on secp384r1\nc.yaml:6:25: auth.jwt.algorithms[1]: RS256 needs an RSA key, and this is an EC key',
    ],
    ['a short RSA key', jwt(`publicKey: ${RSA1024}\nissuer: i\naudience: a\nalgorithms: [RS256]`), 'c.yaml:6:18: auth.jwt.algorithms[0]: RS256 keys must be at least 2048 bits'],
    ['a private JWK', jwt(`publicKey: '{"kty":"EC","crv":"P-256","x":"x","y":"y","d":"d"}'\nissuer: i\naudience: a\nalgorithms: [ES256]`), 'c.yaml:3:5: auth.jwt.publicKey: this JWK holds a private key; give the public part only'],
    ['unreadable key file', jwt('publicKeyFile: missing.pem\nissuer: i\naudience: a\nalgorithms: [RS256]'), 'c.yaml:3:5: auth.jwt.publicKeyFile: cannot read missing.pem (ENOENT)'],
    ['oauth without jwt', `auth:\n  apiKeys: [{ principal: a, hash: "${H}" }]\n  oauth:\n    resource: https://gw.example/mcp\n    authorizationServers: [https://as.example]\n`, "c.yaml:3:3: auth.oauth: needs jwt: access tokens are verified as JWTs with the authorization server's keys (jwt.jwksUrl)"],
    [
      'audience not bound to the resource, no authorization servers',
      'auth:\n  jwt:\n    jwksUrl: https://idp.example/jwks\n    audience: gw\n  oauth:\n    resource: https://gw.example/mcp\n    authorizationServers: []\n',
      'c.yaml:4:5: auth.jwt.audience: must include oauth.resource ("https://gw.example/mcp"): tokens are bound to this gateway (RFC 8707)\nc.yaml:7:5: auth.oauth.authorizationServers: must not be empty',
    ],
    ['resource not a URL', 'auth:\n  jwt:\n    jwksUrl: https://idp.example/jwks\n  oauth:\n    resource: /mcp\n    authorizationServers: [https://as.example]\n', 'c.yaml:5:5: auth.oauth.resource: expected an http:// or https:// URL'],
    ['unknown grant', open('  roles:\n    r: { tool: [x] }\n'), 'c.yaml:4:10: auth.roles.r.tool: unknown key (did you mean "tools"?)'],
    ['bad role key', open('  roles:\n    "a b": {}\n'), 'c.yaml:4:5: auth.roles["a b"]: a role name is 1-64 characters of A-Z, a-z, 0-9, "_", "-", "." and ":"'],
    [
      'rate limit name and numbers out of range',
      open('  rateLimits:\n    - { name: "x y", limit: 0, windowSeconds: 100000, burst: 0 }\n'),
      [
        'c.yaml:4:9: auth.rateLimits[0].name: a rate limit name is 1-64 characters of A-Z, a-z, 0-9, "_", "-", "." and ":"',
        'c.yaml:4:22: auth.rateLimits[0].limit: must be an integer from 1 to 1000000 (calls)',
        'c.yaml:4:32: auth.rateLimits[0].windowSeconds: must be an integer from 1 to 86400 (seconds)',
        'c.yaml:4:55: auth.rateLimits[0].burst: must be an integer from 1 to 1000000 (calls)',
      ].join('\n'),
    ],
    [
      'rate limit per and methods unknown',
      open('  rateLimits:\n    - { name: x, limit: 1, windowSeconds: 1, per: everyone, methods: [tools/list] }\n'),
      'c.yaml:4:46: auth.rateLimits[0].per: expected "principal", "role", "tool" or a list of them\nc.yaml:4:71: auth.rateLimits[0].methods[0]: expected one of "tools/call", "resources/read", "prompts/get", got "tools/list"',
    ],
    [
      'rate limit tools without tools/call, duplicate name, empty methods',
      open('  rateLimits:\n    - { name: x, limit: 1, windowSeconds: 1, methods: [resources/read], tools: [a] }\n    - { name: x, limit: 1, windowSeconds: 1, methods: [] }\n'),
      'c.yaml:4:73: auth.rateLimits[0].tools: tools filters tools/call, which methods does not include\nc.yaml:5:9: auth.rateLimits[1].name: "x" is already the name of rateLimits[0]\nc.yaml:5:46: auth.rateLimits[1].methods: must not be empty',
    ],
    ['rate limit for an undefined role', open('  rateLimits:\n    - { name: x, limit: 1, windowSeconds: 1, roles: [ghost] }\n'), 'c.yaml:4:54: auth.rateLimits[0].roles[0]: role "ghost" is not defined under auth.roles'],
    ['audit to two destinations', open('  audit: { stream: stdout, file: a.log }\n'), 'c.yaml:3:28: auth.audit.file: stream and file are two destinations; keep one'],
    [
      'audit stream unknown, argument bound too small',
      open('  audit: { stream: syslog, maxArgumentBytes: 1 }\n'),
      'c.yaml:3:12: auth.audit.stream: expected one of "stdout", "stderr", got "syslog"\nc.yaml:3:28: auth.audit.maxArgumentBytes: must be an integer from 16 to 1048576 (bytes)',
    ],
    [
      'upstream: value types, unlisted, server kinds, unknown server',
      `servers:\n  h: { url: "https://h.example/mcp" }\n  s: { command: x }\n${open('  upstream:\n    h:\n      principals:\n        a: { headers: { A: 5 } }\n      unlisted: allow\n')}`,
      'c.yaml:9:25: auth.upstream.h.principals.a.headers.A: expected a string or { file, prefix }\nc.yaml:10:7: auth.upstream.h.unlisted: expected one of "deny", "server-credentials", got "allow"',
    ],
    [
      'upstream: headers for stdio, env for HTTP, exchange targets, unknown server',
      `servers:\n  h: { url: "https://h.example/mcp" }\n  s: { command: x }\n${open(
        '  upstream:\n    h:\n      principals:\n        a: { env: { B: "x" } }\n      tokenExchange: { tokenEndpoint: "https://as.example/token", clientId: gw, audience: h, envVar: T }\n    s:\n      principals:\n        a: { headers: { A: "x" } }\n      tokenExchange: { tokenEndpoint: "https://as.example/token", clientId: gw, audience: s, header: X }\n    nope: {}\n',
      )}`,
      [
        'c.yaml:9:14: auth.upstream.h.principals.a.env: env applies only to stdio servers; an HTTP server gets headers',
        'c.yaml:10:94: auth.upstream.h.tokenExchange.envVar: envVar applies only to stdio servers; an HTTP server gets header',
        'c.yaml:13:14: auth.upstream.s.principals.a.headers: headers applies only to HTTP servers; a stdio server gets env',
        'c.yaml:14:7: auth.upstream.s.tokenExchange: needs envVar: the variable that carries the token to the stdio server',
        'c.yaml:14:94: auth.upstream.s.tokenExchange.header: header applies only to HTTP servers; a stdio server gets envVar',
        'c.yaml:15:5: auth.upstream.nope: no server is named "nope"',
      ].join('\n'),
    ],
    [
      'token exchange without audience or resource, endpoint not http',
      `servers:\n  h: { url: "https://h.example/mcp" }\n${open('  upstream:\n    h:\n      tokenExchange: { tokenEndpoint: "ftp://as", clientId: gw }\n')}`,
      'c.yaml:7:7: auth.upstream.h.tokenExchange: needs audience or resource: which backend the exchanged token is for\nc.yaml:7:24: auth.upstream.h.tokenExchange.tokenEndpoint: expected an http:// or https:// URL',
    ],
    [
      'an empty secret file name',
      `servers:\n  h: { url: "https://h.example/mcp" }\n${open('  upstream:\n    h:\n      principals:\n        a: { headers: { A: { file: "" } } }\n')}`,
      'c.yaml:8:30: auth.upstream.h.principals.a.headers.A.file: must not be empty',
    ],
    [
      'an unreadable secret file',
      `servers:\n  h: { url: "https://h.example/mcp" }\n${open('  upstream:\n    h:\n      principals:\n        b: { headers: { A: { file: nowhere } } }\n')}`,
      'c.yaml:8:30: auth.upstream.h.principals.b.headers.A.file: cannot read nowhere (ENOENT)',
    ],
  ];
  it.each(cases)('%s', (_title, text, expected) => {
    expect(failure(text)).toBe(expected);
  });
});

describe('auth: the model', () => {
  it('is disabled, open to anonymous, without the section', () => {
    const auth = parseConfigText('servers: {}\n', 'c.yaml', { env: {} }).auth;
    expect(auth).toMatchObject({ enabled: false, allowUnauthenticated: true, apiKeys: [], jwt: undefined, roles: {}, rateLimits: [], audit: undefined });
  });

  it('fills in defaults, reads key and secret files relative to the config, and freezes everything', () => {
    fs.writeFileSync(path.join(dir, 'gh-bob'), 'ghp_bob\n');
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    fs.writeFileSync(path.join(dir, 'jwt.pem'), key);
    const text = `servers:
  gh: { url: "https://gh.example/mcp" }
auth:
  apiKeys:
    - { principal: ci, hash: "${H}", roles: [reader] }
    - { principal: ci, hash: "${H2}" }
  jwt:
    publicKeyFile: jwt.pem
    algorithms: [ES256]
    issuer: [https://a.example, https://b.example]
    audience: gw
    rolesClaim: realm_access.roles
  roles:
    reader: { tools: ["gh__list_*"], originalTools: { gh: ["get_*"] } }
  rateLimits:
    - { name: calls, roles: [reader], per: [tool, principal, tool], limit: 20, windowSeconds: 10 }
  audit: { file: logs/audit.jsonl, arguments: true }
  upstream:
    gh:
      principals:
        bob: { headers: { Authorization: { file: gh-bob, prefix: "token " } } }
`;
    const cfg = parseConfigText(text, path.join(dir, 'config.yaml'), { env: {} });
    const a = cfg.auth;
    expect(a.enabled).toBe(true);
    expect(a.allowUnauthenticated).toBe(false);
    expect(a.apiKeys).toEqual([
      { principal: 'ci', hash: H, roles: ['reader'] },
      { principal: 'ci', hash: H2, roles: [] },
    ]);
    expect(a.jwt).toEqual({
      keys: { kind: 'public-key', key },
      algorithms: ['ES256'],
      issuers: ['https://a.example', 'https://b.example'],
      audiences: ['gw'],
      clockSkewSeconds: 30,
      principalClaim: ['sub'],
      rolesClaim: ['realm_access', 'roles'],
    });
    expect(a.roles.reader).toEqual({ servers: [], tools: ['gh__list_*'], originalTools: { gh: ['get_*'] }, resources: [], prompts: [], admin: false });
    expect(a.rateLimits).toEqual([{ name: 'calls', roles: ['reader'], principals: undefined, methods: ['tools/call'], tools: undefined, per: ['principal', 'tool'], limit: 20, windowMs: 10_000, burst: 20 }]);
    expect(a.audit).toEqual({ destination: { kind: 'file', path: path.join(dir, 'logs', 'audit.jsonl') }, arguments: true, redactKeys: expect.arrayContaining(['*password*', '*token*']), maxArgumentBytes: 4096 });
    expect(a.upstream.gh).toEqual({ server: 'gh', principals: { bob: { headers: { Authorization: 'token ghp_bob' }, env: {} } }, tokenExchange: undefined, unlisted: 'deny' });
    expect(Object.isFrozen(a.jwt?.algorithms)).toBe(true);
    expect(Object.isFrozen(a.upstream.gh?.principals.bob?.headers)).toBe(true);
  });

  it('binds JWT issuer and audience to the OAuth authorization servers and resource by default', () => {
    const cfg = parseConfigText(
      'auth:\n  jwt:\n    jwksUrl: https://as.example/jwks\n  oauth:\n    resource: https://gw.example/mcp\n    authorizationServers: [https://as.example]\n    requiredScopes: [mcp]\n',
      'c.yaml',
      { env: {} },
    );
    expect(cfg.auth.jwt).toMatchObject({ issuers: ['https://as.example'], audiences: ['https://gw.example/mcp'], algorithms: ['RS256', 'ES256', 'EdDSA'] });
    expect(cfg.auth.jwt?.keys).toEqual({ kind: 'jwks', url: 'https://as.example/jwks', refreshMs: 600_000, cooldownMs: 30_000 });
    expect(cfg.auth.oauth).toEqual({ resource: 'https://gw.example/mcp', authorizationServers: ['https://as.example'], scopesSupported: ['mcp'], requiredScopes: ['mcp'], resourceDocumentation: undefined });
  });

  it('takes secrets and numbers from the environment', () => {
    const cfg = parseConfigText('auth:\n  jwt:\n    secret: "${SECRET}"\n    issuer: i\n    audience: a\n    clockSkewSeconds: ${SKEW}\n', 'c.yaml', { env: { ...ENV, SKEW: '5' } });
    expect(cfg.auth.jwt).toMatchObject({ keys: { kind: 'secret', secret: ENV.SECRET }, algorithms: ['HS256'], clockSkewSeconds: 5 });
  });
});
