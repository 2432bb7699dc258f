/**
 * Where a stateless (2026-07-28) search-mode client's working set lives.
 *
 * Such a client has no session to keep it in, so it is kept in the shared
 * store under a key that only that client can name:
 * - the handle the client holds: an unguessable id the gateway minted and
 *   sealed (HMAC with the shared state key, bound to the principal, with an
 *   expiry), handed out in every search-mode result's
 *   `_meta["dev.only1mcp/workingSet"]` and sent back by the client in its
 *   requests' `_meta` under the same key;
 * - else, for an authenticated principal, the principal and client name:
 *   only that principal's credentials reach it;
 * - else (anonymous, no valid handle) a fresh working set under a newly
 *   minted handle. `clientInfo.name` alone is never a key: any client can
 *   claim any name, and two clients that shared one saw each other's tools.
 */
import { randomBytes } from 'node:crypto';
import type { StateSealer } from './request-state.js';
import type { Principal } from '../auth/principal.js';

/** `_meta` key of the handle, in results (from the gateway) and requests (from the client). */
export const WORKING_SET_META_KEY = 'dev.only1mcp/workingSet';
/** A handle stays valid this long; after it, the client gets a fresh working set and a new handle. */
export const WORKING_SET_HANDLE_TTL_MS = 7 * 24 * 60 * 60_000;
/** Random bytes in a handle's id (as a session id). */
const HANDLE_ID_BYTES = 18;
const SEALED_FOR = { method: 'working-set', name: '' };

export interface WorkingSetKey {
  /** The store key of the working set. */
  readonly key: string;
  /** The handle to hand the client (undefined: the principal keys it; nothing to hand out). */
  readonly handle: string | undefined;
}

export function workingSetKey(sealer: StateSealer, caller: Principal, clientName: string | undefined, asked: unknown, now = Date.now()): WorkingSetKey {
  if (typeof asked === 'string' && asked !== '') {
    try {
      const payload = sealer.open(asked, { ...SEALED_FOR, principal: caller.id }, now);
      if (payload.k === 'working-set' && typeof payload.h === 'string') return { key: `ws:h:${payload.h}`, handle: asked };
    } catch {
      // Altered, expired or another principal's: it names nothing; a fresh set and handle follow.
    }
  }
  if (caller.via !== 'anonymous') return { key: `ws:${caller.id}:${clientName ?? 'unknown-client'}`, handle: undefined };
  const id = randomBytes(HANDLE_ID_BYTES).toString('base64url');
  const handle = sealer.seal({ k: 'working-set', h: id, b: '', m: SEALED_FOR.method, n: SEALED_FOR.name, p: caller.id, e: now + WORKING_SET_HANDLE_TTL_MS });
  return { key: `ws:h:${id}`, handle };
}
