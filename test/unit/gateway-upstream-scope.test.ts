/** Who shares a backend session: the scope rules of src/gateway/upstream-scope.ts. */
import { describe, expect, it } from 'vitest';
import { ANONYMOUS_PRINCIPAL, forwardedCapabilities, redactScope, scopeFor, sessionOfScope, stableJson } from '../../src/gateway/upstream-scope.js';

const caps = { sampling: {}, roots: { listChanged: true }, experimental: { x: {} } };

describe('scopeFor', () => {
  it('shared: no scope at all', () => {
    expect(scopeFor('shared', { sessionId: 's1', principal: 'alice', clientCapabilities: caps })).toBeUndefined();
  });

  it('session: the client session, whoever the principal', () => {
    const scope = scopeFor('session', { sessionId: 's1', principal: 'alice', clientCapabilities: caps });
    expect(scope).toMatchObject({ key: 's:s1', sessionId: 's1' });
  });

  it('principal: one per authenticated principal; unauthenticated clients fall back to their session', () => {
    expect(scopeFor('principal', { sessionId: 's1', principal: 'alice', clientCapabilities: caps })).toMatchObject({ key: 'p:alice', sessionId: undefined });
    expect(scopeFor('principal', { sessionId: 's1', principal: ANONYMOUS_PRINCIPAL, clientCapabilities: caps })).toMatchObject({ key: 's:s1' });
  });

  it('a stateless client: its principal\'s session when authenticated (its requests share backend state, tasks say), else the shared one', () => {
    const a = scopeFor('session', { sessionId: undefined, principal: 'bob', clientCapabilities: { sampling: {} } })!;
    const b = scopeFor('session', { sessionId: undefined, principal: 'bob', clientCapabilities: {} })!;
    expect(a.key).toBe('p:bob');
    expect(b.key).toBe('p:bob');
    expect(a.sessionId).toBeUndefined();
    expect(scopeFor('session', { sessionId: undefined, principal: ANONYMOUS_PRINCIPAL, clientCapabilities: {} })).toBeUndefined();
  });
});

describe('forwardedCapabilities', () => {
  it('keeps only what the gateway forwards, and signs equal sets equally whatever their key order', () => {
    const one = forwardedCapabilities({ sampling: {}, roots: { listChanged: true }, experimental: {} });
    const two = forwardedCapabilities({ roots: { listChanged: true }, sampling: {} });
    expect(one.capabilities).toEqual({ roots: { listChanged: true }, sampling: {} });
    expect(one.signature).toBe(two.signature);
    expect(forwardedCapabilities({ sampling: {} }).signature).not.toBe(one.signature);
  });

  it('stableJson sorts object keys at every depth', () => {
    expect(stableJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });
});

describe('scope keys in logs and lookups', () => {
  it('names the session of a session scope only', () => {
    expect(sessionOfScope('s:abc')).toBe('abc');
    expect(sessionOfScope('p:alice')).toBeUndefined();
  });

  it('shows only a prefix of a long key (session ids are secrets)', () => {
    expect(redactScope('s:0123456789abcdef')).toBe('s:012345…');
    expect(redactScope('p:bob')).toBe('p:bob');
  });
});
