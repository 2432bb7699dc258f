import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateSealer, type StatePayload } from '../../src/gateway/request-state.js';
import { GatewayError } from '../../src/mcp/errors.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const NOW = 1_800_000_000_000;
const payload: StatePayload = { k: 'backend', s: 'backend-state', b: 'github', m: 'tools/call', n: 'github__create_issue', p: 'alice', e: NOW + 60_000 };
const expect_ = { method: 'tools/call', name: 'github__create_issue', principal: 'alice' };

function openError(sealer: StateSealer, state: unknown, expectation = expect_, now = NOW): GatewayError {
  try {
    sealer.open(state, expectation, now);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    const e = err as GatewayError;
    expect(e.errorName).toBe('GW_ERR_INPUT_STATE_INVALID');
    expect(e.rpcCode).toBe(-32602);
    return e;
  }
  throw new Error('open() accepted the state');
}

describe('StateSealer', () => {
  const sealer = new StateSealer(KEY);

  it('seals to an o1m1.<body>.<mac> string and opens it back to the payload', () => {
    const state = sealer.seal(payload);
    expect(state).toMatch(/^o1m1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealer.open(state, expect_, NOW)).toEqual(payload);
  });

  it('opens a held-call handle too', () => {
    const held: StatePayload = { k: 'held', h: 'handle-1', b: 'legacy', m: 'prompts/get', n: 'greet', p: 'bob', e: NOW };
    // Valid up to and including its expiry instant.
    expect(sealer.open(sealer.seal(held), { method: 'prompts/get', name: 'greet', principal: 'bob' }, NOW)).toEqual(held);
  });

  it('refuses a state that was not issued by this gateway (a backend or client state passed through)', () => {
    for (const foreign of ['eyJzdGVwIjoxfQ', 'o1m2.abc.def', '', 42, null, { state: 'o1m1.x.y' }]) {
      expect(openError(sealer, foreign).message).toBe('requestState rejected: it was not issued by this gateway');
    }
  });

  it('refuses a malformed state', () => {
    for (const malformed of ['o1m1.', 'o1m1.bodyonly', 'o1m1..mac']) {
      expect(openError(sealer, malformed).message).toBe('requestState rejected: it is malformed');
    }
  });

  it('refuses a state whose payload was altered', () => {
    const state = sealer.seal(payload);
    const [, body, mac] = state.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payload, p: 'mallory' })).toString('base64url');
    const message = 'requestState rejected: its signature does not verify (was it modified?)';
    expect(openError(sealer, `o1m1.${forged}.${mac}`, { ...expect_, principal: 'mallory' }).message).toBe(message);
    expect(openError(sealer, `o1m1.${body}.${mac!.slice(0, -2)}`).message).toBe(message);
    // The first character carries six bits of the MAC (the last one carries padding bits too).
    expect(openError(sealer, `o1m1.${body}.${mac!.startsWith('A') ? 'B' : 'A'}${mac!.slice(1)}`).message).toBe(message);
    expect(openError(sealer, `o1m1.${body}x.${mac}`).message).toBe(message);
  });

  it('refuses a state sealed under another key', () => {
    const other = new StateSealer(Buffer.from('another key, another gateway!!!'));
    expect(openError(sealer, other.seal(payload)).message).toBe('requestState rejected: its signature does not verify (was it modified?)');
  });

  it('after rotating to a new key, seals with it and still opens states of the key before, but not older', () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    const k3 = Buffer.alloc(32, 3);
    const node = new StateSealer(k1);
    const fromK1 = node.seal(payload);
    node.rotate(k2);
    const fromK2 = node.seal(payload);
    expect(new StateSealer(k2).open(fromK2, expect_, NOW)).toEqual(payload);
    expect(node.open(fromK1, expect_, NOW)).toEqual(payload);
    node.rotate(k2);
    expect(node.open(fromK1, expect_, NOW)).toEqual(payload);
    node.rotate(k3);
    expect(node.open(fromK2, expect_, NOW)).toEqual(payload);
    expect(openError(node, fromK1).message).toBe('requestState rejected: its signature does not verify (was it modified?)');
  });

  it('refuses a signed body that is not JSON', () => {
    const body = Buffer.from('not json').toString('base64url');
    const mac = createHmac('sha256', KEY).update(body).digest('base64url');
    expect(openError(sealer, `o1m1.${body}.${mac}`).message).toBe('requestState rejected: its payload is unreadable');
  });

  it('refuses an expired state', () => {
    expect(openError(sealer, sealer.seal(payload), expect_, payload.e + 1).message).toBe('requestState rejected: it has expired');
  });

  it('refuses a state presented by another principal', () => {
    expect(openError(sealer, sealer.seal(payload), { ...expect_, principal: 'bob' }).message).toBe('requestState rejected: it belongs to another principal');
  });

  it('refuses a state retried on another method or name, saying what it was issued for', () => {
    const state = sealer.seal(payload);
    const message = 'requestState rejected: it was issued for tools/call github__create_issue';
    expect(openError(sealer, state, { ...expect_, method: 'prompts/get' }).message).toBe(message);
    expect(openError(sealer, state, { ...expect_, name: 'github__close_issue' }).message).toBe(message);
  });

  it('checks expiry before ownership', () => {
    expect(openError(sealer, sealer.seal(payload), { method: 'x', name: 'y', principal: 'z' }, payload.e + 1).message).toBe('requestState rejected: it has expired');
  });
});
