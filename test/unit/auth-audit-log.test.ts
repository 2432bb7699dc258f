/**
 * Audit lines written to a real file: one JSON line per record with the
 * fields an operator greps for, arguments only when configured, redacted by
 * key at any depth and cut past the size bound; a destination that cannot
 * be opened is reported, counted and never thrown at a caller.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/auth/audit-log.js';
import { parseConfigText } from '../../src/config/load.js';
import type { AuditConfig } from '../../src/config/auth-model.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o1m-audit-'));
const FIXED = new Date('2026-12-01T10:00:00.000Z');

function auditConfig(yaml: string): AuditConfig {
  const text = `auth:\n  allowUnauthenticated: true\n  audit:\n${yaml}`;
  return parseConfigText(text, path.join(dir, 'config.yaml'), { env: {} }).auth.audit!;
}

async function linesOf(log: AuditLog, file: string): Promise<Record<string, unknown>[]> {
  await log.flush();
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('audit log', () => {
  it('writes one JSON line per call, read and refusal, without arguments unless configured', async () => {
    const file = path.join(dir, 'a', 'audit.jsonl');
    const cfg = auditConfig(`    file: a/audit.jsonl\n`);
    expect(cfg.destination).toEqual({ kind: 'file', path: file });
    const log = new AuditLog(cfg, { now: () => FIXED });
    log.record({ principal: 'alice', via: 'jwt', session: 's1', method: 'tools/call', target: 'ev__echo', backend: 'ev', outcome: 'ok', durationMs: 3.14159, arguments: { message: 'hi' } });
    log.record({ principal: 'bob', via: 'api-key', method: 'tools/call', target: 'ev__add', backend: 'ev', outcome: 'denied', code: 'GW_ERR_PERMISSION_DENIED', reason: 'missing permission "tools/call ev__add"' });
    log.record({ principal: undefined, method: 'POST /mcp', outcome: 'unauthenticated', code: 'GW_ERR_UNAUTHENTICATED', reason: 'the token has expired' });
    log.record({ principal: 'carol', method: 'resources/read', target: 'file:///x\n{"forged":true}', backend: 'fs', outcome: 'error', code: -32002, durationMs: 12 });
    const lines = await linesOf(log, file);
    expect(lines).toEqual([
      { time: '2026-12-01T10:00:00.000Z', type: 'audit', principal: 'alice', via: 'jwt', session: 's1', method: 'tools/call', target: 'ev__echo', backend: 'ev', outcome: 'ok', durationMs: 3.142 },
      { time: '2026-12-01T10:00:00.000Z', type: 'audit', principal: 'bob', via: 'api-key', method: 'tools/call', target: 'ev__add', backend: 'ev', outcome: 'denied', code: 'GW_ERR_PERMISSION_DENIED', reason: 'missing permission "tools/call ev__add"' },
      { time: '2026-12-01T10:00:00.000Z', type: 'audit', principal: null, method: 'POST /mcp', outcome: 'unauthenticated', code: 'GW_ERR_UNAUTHENTICATED', reason: 'the token has expired' },
      // A newline in a client-chosen value cannot forge a line.
      { time: '2026-12-01T10:00:00.000Z', type: 'audit', principal: 'carol', method: 'resources/read', target: 'file:///x\n{"forged":true}', backend: 'fs', outcome: 'error', code: -32002, durationMs: 12 },
    ]);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    await log.close();
  });

  it('redacts argument values by key at any depth (default globs), and cuts large arguments', async () => {
    const file = path.join(dir, 'args.jsonl');
    const log = new AuditLog(auditConfig(`    file: args.jsonl\n    arguments: true\n    maxArgumentBytes: 200\n`), { now: () => FIXED });
    log.record({
      principal: 'alice',
      method: 'tools/call',
      target: 'db__query',
      outcome: 'ok',
      arguments: { sql: 'select 1', auth: { Password: 'hunter2', nested: [{ api_key: 'k', keep: 1 }] }, GITHUB_TOKEN: 'ghp_x' },
    });
    log.record({ principal: 'alice', method: 'tools/call', target: 'ev__echo', outcome: 'ok', arguments: { message: 'é'.repeat(200) } });
    const [small, big] = await linesOf(log, file);
    expect(small!.arguments).toEqual({ sql: 'select 1', auth: { Password: '[redacted]', nested: [{ api_key: '[redacted]', keep: 1 }] }, GITHUB_TOKEN: '[redacted]' });
    expect(big!.arguments).toBeUndefined();
    expect(big!.argumentsBytes).toBe(Buffer.byteLength(JSON.stringify({ message: 'é'.repeat(200) })));
    expect(Buffer.byteLength(big!.argumentsTruncated as string)).toBeLessThanOrEqual(200);
    expect(big!.argumentsTruncated).toMatch(/^\{"message":"é+$/);
    await log.close();
  });

  it('uses the configured redact globs instead of the defaults', async () => {
    const file = path.join(dir, 'custom.jsonl');
    const log = new AuditLog(auditConfig(`    file: custom.jsonl\n    arguments: true\n    redact: ["ssn", "card*"]\n`));
    log.record({ principal: 'a', method: 'tools/call', outcome: 'ok', arguments: { ssn: '1', CardNumber: '2', password: 'kept-when-not-listed' } });
    const [line] = await linesOf(log, file);
    expect(line!.arguments).toEqual({ ssn: '[redacted]', CardNumber: '[redacted]', password: 'kept-when-not-listed' });
    await log.close();
  });

  it('reports a destination it cannot open, counts what it loses, and never throws at the caller', async () => {
    const problems: string[] = [];
    const blocked = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocked, 'x');
    const log = new AuditLog(auditConfig(`    file: not-a-dir/audit.jsonl\n`), { onProblem: (m) => problems.push(m) });
    expect(() => log.record({ principal: 'a', method: 'tools/call', outcome: 'ok' })).not.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(log.dropped).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^the audit destination failed: .*(ENOTDIR|EEXIST).* \(1 lost so far\)$/);
  });

  it('drops and counts lines past its buffer bound when the destination stalls, instead of growing', async () => {
    const problems: string[] = [];
    // A destination that accepts the first chunk and never finishes writing it.
    const stalled = new Writable({ write: () => undefined });
    const log = new AuditLog(auditConfig('    stream: stdout\n'), { stream: stalled, maxBufferedBytes: 1_000, onProblem: (m) => problems.push(m) });
    for (let i = 0; i < 100; i++) log.record({ principal: 'a', method: 'tools/call', target: `t${i}`, outcome: 'ok' });
    expect(stalled.writableLength).toBeLessThan(1_200);
    expect(log.dropped).toBeGreaterThan(80);
    expect(problems[0]).toBe('the audit destination is too slow; lines are being dropped (1 lost so far)');
    // Reported again at powers of two, not once per line.
    expect(problems.length).toBeLessThan(10);
  });
});
