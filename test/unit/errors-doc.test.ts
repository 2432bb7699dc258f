/** docs/errors.md and the error registry must list the same errors with the same codes. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, GatewayError, isGatewayCode } from '../../src/mcp/errors.js';

const doc = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `(GW_ERR_[A-Z_]+)` \| (-?\d+) \| (\d+) \|/gm)].map((m) => [m[1]!, { rpc: Number(m[2]), http: Number(m[3]) }]),
);

describe('error registry vs docs/errors.md', () => {
  it('documents every registry entry with its JSON-RPC code and HTTP status', () => {
    for (const [name, spec] of Object.entries(ERRORS)) {
      expect(rows.get(name), `${name} is missing from docs/errors.md`).toEqual({ rpc: spec.rpc, http: spec.http });
    }
  });

  it('documents nothing the registry does not have', () => {
    for (const name of rows.keys()) expect(Object.keys(ERRORS), `docs/errors.md lists ${name}, which no longer exists`).toContain(name);
  });

  it('keeps backend faults out of the client-fault codes and in 5xx statuses', () => {
    for (const [name, spec] of Object.entries(ERRORS)) {
      if (spec.fault === 'backend') {
        expect(isGatewayCode(spec.rpc), name).toBe(true);
        expect(spec.http, name).toBeGreaterThanOrEqual(500);
      }
    }
  });

  it('gateway-block errors carry their registry name in data.code and survive a process boundary', () => {
    const err = new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'slow', { backend: 'b' });
    expect(err.toJsonRpc()).toEqual({ code: -31002, message: 'slow', data: { code: 'GW_ERR_BACKEND_TIMEOUT', backend: 'b' } });
    const rebuilt = GatewayError.fromWire(JSON.parse(JSON.stringify(err.toWire())));
    expect(rebuilt.toJsonRpc()).toEqual(err.toJsonRpc());
    expect(rebuilt.httpStatus('modern')).toBe(200);
    expect(new GatewayError('GW_ERR_METHOD_NOT_FOUND', 'x').httpStatus('modern')).toBe(404);
    expect(new GatewayError('GW_ERR_METHOD_NOT_FOUND', 'x').httpStatus('legacy')).toBe(200);
  });
});
