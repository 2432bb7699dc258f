/**
 * 1,200+ hostile credentials against the gate with a real JWKS server: forged,
 * altered (payload, header, signature), expired, not yet valid, without exp,
 * wrong issuer, wrong audience, `alg: none`, signed by a key the IdP never
 * published (under a published kid), HS256 with the RSA public key as the
 * secret (algorithm confusion), embedded-key and key-URL headers, algorithm
 * mismatches, oversized and garbage values. None may be accepted; control
 * tokens of every algorithm, made by the same code paths, must be.
 * From a seeded PRNG, so a failure replays.
 */
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { AuthGate } from '../../src/auth/gate.js';
import { generateApiKey, hashApiKey } from '../../src/auth/api-keys.js';
import { parseConfigText } from '../../src/config/load.js';
import { prng } from '../helpers/fuzz-cases.js';
import { TestIdentityProvider, type TestKey } from '../helpers/jwks.js';

const SEED = 0x0a17;
const PER_KIND = 70;

let idp: TestIdentityProvider;
let gate: AuthGate;
let strangerRsa: CryptoKey;
let strangerEc: CryptoKey;
let strangerJwk: Record<string, unknown>;
const apiKey = generateApiKey();

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256', 'ES256', 'EdDSA']);
  const cfg = parseConfigText(
    `auth:\n  apiKeys:\n    - { principal: bot, hash: "${hashApiKey(apiKey)}" }\n  jwt:\n    jwksUrl: ${idp.url}\n    issuer: ${idp.issuer}\n    audience: ${idp.audience}\n    algorithms: [RS256, ES256, EdDSA]\n`,
    'fuzz.yaml',
    { env: {} },
  );
  gate = new AuthGate(cfg.auth);
  expect(await gate.warm()).toBe(true);
  strangerRsa = (await generateKeyPair('RS256', { extractable: true })).privateKey;
  const ec = await generateKeyPair('ES256', { extractable: true });
  strangerEc = ec.privateKey;
  strangerJwk = (await exportJWK(ec.publicKey)) as Record<string, unknown>;
});

afterAll(async () => {
  await idp.stop();
});

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const parts = (t: string) => t.split('.') as [string, string, string];
const decode = (seg: string) => JSON.parse(Buffer.from(seg, 'base64url').toString('utf8')) as Record<string, unknown>;

function rsaPublicPem(key: TestKey): string {
  return createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
}

async function hostileTokens(): Promise<{ kind: string; credential: string }[]> {
  const r = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const rand = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256))).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const rsa = idp.keys.find((k) => k.alg === 'RS256') as TestKey;
  const keys = idp.keys;
  const out: { kind: string; credential: string }[] = [];
  const add = (kind: string, credential: string) => out.push({ kind, credential });

  for (let i = 0; i < PER_KIND; i++) {
    const key = pick(keys);
    const sub = `victim-${i}`;
    const good = await idp.token({ sub, roles: ['admin'] }, { key });
    const [h, p, s] = parts(good);

    add('forged', `${b64({ alg: key.alg, kid: key.kid })}.${b64({ sub, iss: idp.issuer, aud: idp.audience, exp: now + 600 })}.${rand(64 + i)}`);
    add('altered-payload', `${h}.${b64({ ...decode(p), sub: 'root', roles: ['admin', 'root'] })}.${s}`);
    add('altered-header', `${b64({ ...decode(h), kid: pick(keys.filter((k) => k.kid !== key.kid)).kid })}.${p}.${s}`);
    const sig = Buffer.from(s, 'base64url');
    sig[Math.floor(r() * sig.length)]! ^= 1 << Math.floor(r() * 8);
    add('altered-signature', `${h}.${p}.${sig.toString('base64url')}`);
    add('expired', await idp.token({ sub }, { key, expiresIn: -(60 + Math.floor(r() * 86_400)) }));
    add('not-yet-valid', await idp.token({ sub, nbf: now + 120 + Math.floor(r() * 86_400) }, { key }));
    add('no-exp', await idp.token({ sub, exp: undefined }, { key }));
    add('wrong-issuer', await idp.token({ sub, iss: pick([`${idp.issuer}/`, 'https://evil.example', idp.issuer.toUpperCase(), '']) }, { key }));
    add('wrong-audience', await idp.token({ sub, aud: pick(['other', [`${idp.audience}x`], '', `${idp.audience} `]) }, { key }));
    add('alg-none', `${b64({ alg: pick(['none', 'None', 'NONE', 'nOnE']), typ: 'JWT' })}.${p}.${pick(['', s])}`);
    add('wrong-key', await new SignJWT({ ...decode(p) }).setProtectedHeader({ alg: 'RS256', kid: rsa.kid }).sign(strangerRsa));
    add('wrong-key-ec', await new SignJWT({ ...decode(p) }).setProtectedHeader({ alg: 'ES256', kid: pick(keys).kid }).sign(strangerEc));
    // Algorithm confusion: HS256 keyed with the published RSA key (PEM text, or the modulus), under its kid.
    const secret = pick([Buffer.from(rsaPublicPem(rsa)), Buffer.from(String(rsa.publicJwk.n), 'base64url'), Buffer.from(JSON.stringify(rsa.publicJwk))]);
    add('hs-rs-confusion', await new SignJWT({ ...decode(p) }).setProtectedHeader({ alg: pick(['HS256', 'HS384', 'HS512']), kid: rsa.kid }).sign(secret));
    add('embedded-jwk', await new SignJWT({ ...decode(p) }).setProtectedHeader({ alg: 'ES256', jwk: strangerJwk as never }).sign(strangerEc));
    add('key-url-header', await new SignJWT({ ...decode(p) }).setProtectedHeader({ alg: 'RS256', jku: `${idp.base}/evil`, x5u: `${idp.base}/evil`, kid: 'attacker' }).sign(strangerRsa));
    add('alg-swap', `${b64({ ...decode(h), alg: pick(['RS256', 'ES256', 'EdDSA', 'PS256', 'ES512'].filter((a) => a !== key.alg)) })}.${p}.${s}`);
    add('garbage', pick([rand(1 + Math.floor(r() * 200)), `${rand(10)}.${rand(10)}`, `${h}.${p}`, `${h}.${p}.${s}.${s}`, `.${p}.${s}`, `${h}..${s}`, `${h}.${p}.${s}=`, `${'e'.repeat(17_000)}`]));
    add('api-key-guess', pick([generateApiKey(), apiKey.slice(0, -1), `${apiKey}x`, apiKey.toUpperCase(), hashApiKey(apiKey)]));
  }
  return out;
}

describe('hostile tokens', () => {
  it(`accepts none of ${PER_KIND * 18} forged, altered, expired, misaddressed and confused credentials`, async () => {
    const cases = await hostileTokens();
    expect(cases.length).toBeGreaterThanOrEqual(1_000);
    const accepted: string[] = [];
    const statuses = new Map<number, number>();
    for (const { kind, credential } of cases) {
      const headers = kind === 'api-key-guess' && credential.length % 2 === 0 ? { apiKey: credential } : { authorization: `Bearer ${credential}` };
      const o = await gate.authenticate(headers);
      if (o.ok) accepted.push(`${kind}: ${credential.slice(0, 80)}`);
      else statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    }
    expect(accepted).toEqual([]);
    // Every refusal is a 401: none of them is the gateway's fault, none leaked through as 403 or 503.
    expect([...statuses.keys()]).toEqual([401]);
    // A storm of bad kids did not become a storm of JWKS fetches (one at warm-up, at most one per cooldown).
    expect(idp.fetches).toBeLessThanOrEqual(2);
  });

  it('accepts the control tokens made by the same code paths (the test can tell)', async () => {
    for (const key of idp.keys) {
      const o = await gate.authenticate({ authorization: `Bearer ${await idp.token({ sub: `ok-${key.alg}` }, { key })}` });
      expect(o.ok && o.principal.id).toBe(`ok-${key.alg}`);
    }
    expect((await gate.authenticate({ apiKey })).ok).toBe(true);
  });
});
