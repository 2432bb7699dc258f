/** Internal faults: generic text with a ref for the client, the detail in the log once per kind per interval. */
import { describe, expect, it } from 'vitest';
import { InternalErrors, refOf } from '../../src/observe/internal-error.js';
import type { Logger } from '../../src/observe/log.js';

function capture(): { logger: Logger; lines: Array<{ fields: Record<string, unknown>; message: string }> } {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger = { error: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } as unknown as Logger;
  return { logger, lines };
}

function overflow(): Error {
  return new RangeError('Maximum call stack size exceeded');
}

describe('InternalErrors', () => {
  it('gives the client generic text with a ref and none of the fault\'s own text', () => {
    const { logger, lines } = capture();
    const err = new InternalErrors(logger).report(new Error('secret path /etc/x failed'), 'while serving a request');
    expect(err.errorName).toBe('GW_ERR_INTERNAL');
    expect(err.message).toMatch(/^internal error \(ref [0-9a-f]{6}\)$/);
    expect(err.toJsonRpc().message).not.toContain('secret');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({ ref: err.data!.ref, err: 'Error: secret path /etc/x failed' });
    expect(lines[0]!.fields.stack).toContain('secret path');
  });

  it('logs 3,000 of one fault once, and its repeats with the next line after the interval', () => {
    const { logger, lines } = capture();
    const faults = new InternalErrors(logger, 60_000);
    const refs = new Set<string>();
    for (let i = 0; i < 3_000; i++) refs.add(faults.report(overflow(), 'while serving a request').data!.ref as string);
    expect(refs.size).toBe(1);
    expect(lines).toHaveLength(1);
    const again = new InternalErrors(logger, 0);
    again.report(overflow(), 'x');
    again.report(overflow(), 'x');
    expect(lines).toHaveLength(3);
  });

  it('tells different faults apart (numbers in messages do not make new kinds)', () => {
    // One throw site, as a real fault has.
    const fail = (message: string, Kind: ErrorConstructor = Error) => new Kind(message);
    expect(refOf(fail('id 12 failed'))).toBe(refOf(fail('id 99 failed')));
    expect(refOf(fail('a failed'))).not.toBe(refOf(fail('a failed', TypeError)));
    expect(refOf(fail('a failed'))).not.toBe(refOf(fail('b failed')));
  });
});
