/**
 * Sealing of the `requestState` the gateway hands to modern clients.
 *
 * Every requestState a client sees is the gateway's: either a handle to a
 * call the gateway holds open (a legacy backend waiting for sampling or
 * elicitation) or a backend's own state wrapped with its routing. The seal
 * is an HMAC over the payload, which binds the state to its principal,
 * method and name and gives it an expiry, as the MRTR text asks of servers
 * that let requestState steer anything. The key is shared by every worker
 * and node (see src/primary/ and the Redis store), so a retry may land on
 * any of them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../mcp/errors.js';

const PREFIX = 'o1m1.';

export interface StatePayload {
  /** 'held': a call the gateway keeps open; 'backend': a modern backend's own state; 'working-set': a stateless client's working-set handle (gateway/working-set-handle.ts). */
  k: 'held' | 'backend' | 'working-set';
  /** Handle of a held call. */
  h?: string;
  /** The worker holding the call (held states only). */
  w?: string;
  /** The input_required round the state was issued for (held states only). */
  r?: number;
  /** The backend's own requestState, when it gave one. */
  s?: string;
  b: string;
  m: string;
  n: string;
  p: string;
  /** Expiry, ms since epoch. */
  e: number;
}

export class StateSealer {
  /** Keys a state may still be sealed with: the current one, then the one it replaced. */
  private keys: Buffer[];

  constructor(key: Buffer) {
    this.keys = [key];
  }

  /**
   * Seals with `key` from now on. A node that started while Redis was away
   * used its own key and adopts the shared one when Redis returns; states it
   * sealed before still open here until they expire.
   */
  rotate(key: Buffer): void {
    if (key.equals(this.keys[0]!)) return;
    this.keys = [key, this.keys[0]!];
  }

  seal(payload: StatePayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${PREFIX}${body}.${this.mac(body)}`;
  }

  /** Opens a state for a retry of `method` on `name` by `principal`; throws GW_ERR_INPUT_STATE_INVALID otherwise. */
  open(state: unknown, expect: { method: string; name: string; principal: string }, now = Date.now()): StatePayload {
    const invalid = (why: string) => new GatewayError('GW_ERR_INPUT_STATE_INVALID', `requestState rejected: ${why}`);
    if (typeof state !== 'string' || !state.startsWith(PREFIX)) throw invalid('it was not issued by this gateway');
    const dot = state.lastIndexOf('.');
    if (dot <= PREFIX.length) throw invalid('it is malformed');
    const body = state.slice(PREFIX.length, dot);
    const mac = Buffer.from(state.slice(dot + 1), 'base64url');
    const verifies = this.keys.some((key) => {
      const want = Buffer.from(this.mac(body, key), 'base64url');
      return mac.length === want.length && timingSafeEqual(mac, want);
    });
    if (!verifies) throw invalid('its signature does not verify (was it modified?)');
    let payload: StatePayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
    } catch {
      throw invalid('its payload is unreadable');
    }
    if (payload.e < now) throw invalid('it has expired');
    if (payload.p !== expect.principal) throw invalid('it belongs to another principal');
    if (payload.m !== expect.method || payload.n !== expect.name) throw invalid(`it was issued for ${payload.m} ${payload.n}`);
    return payload;
  }

  private mac(body: string, key = this.keys[0]!): string {
    return createHmac('sha256', key).update(body).digest('base64url');
  }
}
