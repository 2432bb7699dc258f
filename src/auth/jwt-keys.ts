/**
 * Static JWT keys (auth.jwt.publicKey / publicKeyFile / secret): parsed once
 * with node:crypto, checked against the configured algorithms so a key that
 * cannot verify them is a config error, not a 401 for every caller.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

/** What key each algorithm family needs, as node:crypto names it. */
const FAMILY: Readonly<Record<string, { types: readonly string[]; curve?: string }>> = {
  RS256: { types: ['rsa'] },
  RS384: { types: ['rsa'] },
  RS512: { types: ['rsa'] },
  PS256: { types: ['rsa', 'rsa-pss'] },
  PS384: { types: ['rsa', 'rsa-pss'] },
  PS512: { types: ['rsa', 'rsa-pss'] },
  ES256: { types: ['ec'], curve: 'prime256v1' },
  ES384: { types: ['ec'], curve: 'secp384r1' },
  ES512: { types: ['ec'], curve: 'secp521r1' },
  EdDSA: { types: ['ed25519', 'ed448'] },
  Ed25519: { types: ['ed25519'] },
};

const KEY_NAME: Readonly<Record<string, string>> = { rsa: 'an RSA', 'rsa-pss': 'an RSA-PSS', ec: 'an EC', ed25519: 'an Ed25519', ed448: 'an Ed448', x25519: 'an X25519', dsa: 'a DSA', dh: 'a DH' };

/** A PEM (SPKI, or a certificate) or JWK text → the public key; throws with a message for the config error. */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as Record<string, unknown>;
      if ('d' in jwk) throw new Error('this JWK holds a private key; give the public part only');
      return createPublicKey({ key: jwk as never, format: 'jwk' });
    }
    const key = createPublicKey(trimmed);
    return key;
  } catch (err) {
    const why = (err as Error).message;
    throw new Error(why.includes('private key') ? why : 'not a public key: expected a PEM "PUBLIC KEY" (or certificate) block, or one JWK as JSON');
  }
}

/** Why `key` cannot verify `alg`, or undefined when it can. */
export function keyMismatch(key: KeyObject, alg: string): string | undefined {
  const family = FAMILY[alg];
  if (family === undefined) return `${alg} does not use a public key`;
  const type = key.asymmetricKeyType ?? 'unknown';
  if (!family.types.includes(type)) return `${alg} needs ${KEY_NAME[family.types[0] as string]} key, and this is ${KEY_NAME[type] ?? `a ${type}`} key`;
  if (family.curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== family.curve) {
    return `${alg} needs curve ${family.curve}, and this key is on ${key.asymmetricKeyDetails?.namedCurve ?? 'another curve'}`;
  }
  if (type === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return `${alg} keys must be at least 2048 bits`;
  return undefined;
}

export function secretKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}
