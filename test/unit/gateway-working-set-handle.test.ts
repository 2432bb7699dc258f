import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { StateSealer } from '../../src/gateway/request-state.js';
import { WORKING_SET_HANDLE_TTL_MS, workingSetKey } from '../../src/gateway/working-set-handle.js';
import { makePrincipal } from '../../src/auth/principal.js';

const sealer = new StateSealer(randomBytes(32));
const anonymous = makePrincipal('anonymous', [], 'anonymous');
const alice = makePrincipal('alice', ['reader'], 'api-key');
const bob = makePrincipal('bob', ['reader'], 'api-key');

describe('workingSetKey', () => {
  it('an anonymous client without a handle gets a fresh set under a new handle, never a key from its client name', () => {
    const one = workingSetKey(sealer, anonymous, 'same-name', undefined);
    const two = workingSetKey(sealer, anonymous, 'same-name', undefined);
    expect(one.handle).toBeDefined();
    expect(one.key).not.toBe(two.key);
    expect(one.key).not.toContain('same-name');
  });

  it('a handle sent back names the same set, and is handed back unchanged', () => {
    const minted = workingSetKey(sealer, anonymous, 'x', undefined);
    expect(workingSetKey(sealer, anonymous, 'other-name', minted.handle)).toEqual(minted);
  });

  it('an altered, expired or foreign handle names nothing: a fresh set follows', () => {
    const minted = workingSetKey(sealer, anonymous, 'x', undefined);
    const altered = `${minted.handle!.slice(0, -2)}${minted.handle!.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(workingSetKey(sealer, anonymous, 'x', altered).key).not.toBe(minted.key);
    expect(workingSetKey(sealer, anonymous, 'x', minted.handle, Date.now() + WORKING_SET_HANDLE_TTL_MS + 1).key).not.toBe(minted.key);
    // Sealed for another principal (anonymous), presented by bob: bob's own set, not the handle's.
    expect(workingSetKey(sealer, bob, 'x', minted.handle)).toEqual({ key: 'ws:bob:x', handle: undefined });
    expect(workingSetKey(sealer, anonymous, 'x', 'o1m1.forged.sig').handle).not.toBe('o1m1.forged.sig');
  });

  it('an authenticated principal without a handle keeps one set per client name, which no other principal reaches', () => {
    expect(workingSetKey(sealer, alice, 'ide', undefined)).toEqual({ key: 'ws:alice:ide', handle: undefined });
    expect(workingSetKey(sealer, bob, 'ide', undefined).key).not.toBe('ws:alice:ide');
  });
});
