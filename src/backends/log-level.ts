/**
 * Forwarding logging/setLevel to a 2025-era backend that many clients share.
 *
 * Each client's own level is applied by the gateway as a filter; the backend
 * is set to the most verbose level any client asked for, so no client can
 * turn another's logs off. Re-applied when the backend reconnects.
 */
import { isObject } from '../mcp/jsonrpc.js';
import { LOG_LEVELS, type LogLevel } from '../mcp/versions.js';
import type { BackendIdentity } from './handshake.js';

/** The most verbose of several levels; undefined when none is set. */
export function mostVerbose(levels: Iterable<LogLevel | undefined>): LogLevel | undefined {
  let best: number | undefined;
  for (const level of levels) {
    if (level === undefined) continue;
    const i = LOG_LEVELS.indexOf(level);
    if (best === undefined || i < best) best = i;
  }
  return best === undefined ? undefined : LOG_LEVELS[best];
}

export class LevelForwarder {
  private wanted: LogLevel | undefined;
  private applied: LogLevel | undefined;

  constructor(private readonly send: (level: LogLevel) => Promise<unknown>, private readonly onError: (err: unknown) => void) {}

  set(level: LogLevel | undefined, identity: BackendIdentity | undefined): void {
    this.wanted = level;
    this.apply(identity);
  }

  /** After a (re)connect the backend is at its default again. */
  reset(identity: BackendIdentity | undefined): void {
    this.applied = undefined;
    this.apply(identity);
  }

  private apply(identity: BackendIdentity | undefined): void {
    const level = this.wanted;
    if (!identity || identity.era !== 'legacy' || !isObject(identity.capabilities.logging)) return;
    if (level === undefined || level === this.applied) return;
    this.applied = level;
    this.send(level).catch((err: unknown) => {
      this.applied = undefined;
      this.onError(err);
    });
  }
}
