/**
 * Small schema pieces shared by the top-level and the server schema, each
 * carrying the exact message a user sees (see zod-issues.ts for the ones
 * generated from zod's issue codes).
 */
import * as z from 'zod';

export const NAMING_POLICIES = ['prefix', 'on-collision', 'never'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const CONTEXT_MODES = ['full', 'compact', 'search'] as const;

export const nonEmptyString = z.string().min(1, { error: 'must not be empty' });

/** An integer in [min, max]; `unit` names what it counts, for the message. */
export function intInRange(min: number, max: number, unit: string) {
  const error = `must be an integer from ${min} to ${max} (${unit})`;
  return z.int({ error: (iss) => (iss.code === 'invalid_type' ? undefined : error) }).min(min, { error }).max(max, { error });
}

/**
 * A URL with one of `protocols` ("https:"). A refinement rather than z.url():
 * that one emits `format: uri` into the JSON Schema, and editors would then
 * flag `url: ${BASE_URL}/mcp`, which is fine once interpolated.
 */
export function urlString(protocols: readonly string[], error: string) {
  return z.string().refine((v) => {
    try {
      const u = new URL(v);
      return protocols.includes(u.protocol) && u.host !== '';
    } catch {
      return false;
    }
  }, { error });
}
