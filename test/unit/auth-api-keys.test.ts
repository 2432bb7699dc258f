import { describe, expect, it } from 'vitest';
import { ApiKeyVerifier, generateApiKey, hashApiKey, weakKeyReason } from '../../src/auth/api-keys.js';
import { API_KEY_HASH_PATTERN } from '../../src/config/auth-schema.js';

describe('API keys', () => {
  it('generates 256-bit keys with a recognisable prefix, hashed into the stored form the config accepts', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a).toMatch(/^o1m_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashApiKey(a)).toMatch(API_KEY_HASH_PATTERN);
    // SHA-256 of the UTF-8 text, base64url: the known vector for "abc".
    expect(hashApiKey('abc')).toBe('sha256:ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('maps a key to the principal and roles of its entry (plus default roles), and refuses any other', () => {
    const k1 = generateApiKey();
    const k2 = generateApiKey();
    const v = new ApiKeyVerifier(
      [
        { principal: 'ci', hash: hashApiKey(k1), roles: ['reader'] },
        { principal: 'ops', hash: hashApiKey(k2), roles: ['admin'] },
      ],
      ['everyone'],
    );
    expect(v.verify(k1)).toMatchObject({ id: 'ci', roles: ['reader', 'everyone'], via: 'api-key' });
    expect(v.verify(k2)).toMatchObject({ id: 'ops', roles: ['admin', 'everyone'] });
    expect(v.verify(k1) === v.verify(k1)).toBe(true);
    expect(v.verify(`${k1} `)).toBeUndefined();
    expect(v.verify(k1.slice(0, -1))).toBeUndefined();
    expect(v.verify('')).toBeUndefined();
    expect(new ApiKeyVerifier([], []).verify(k1)).toBeUndefined();
  });

  it('refuses short or spaced operator keys (the hash is fast, so the key must be strong)', () => {
    expect(weakKeyReason('short')).toMatch(/at least 32 characters/);
    expect(weakKeyReason(`${'a'.repeat(20)} ${'b'.repeat(20)}`)).toMatch(/whitespace/);
    expect(weakKeyReason(generateApiKey())).toBeUndefined();
  });
});
