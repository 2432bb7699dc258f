/**
 * `only1mcp auth hash-key` as an operator runs it (the built CLI, a real
 * process): the key it prints authenticates through the gate when its hash
 * is put in a config; --stdin hashes the operator's own key and refuses a
 * weak one.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AuthGate } from '../../src/auth/gate.js';
import { parseConfigText } from '../../src/config/load.js';
import { CLI } from '../helpers/gateway.js';

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('only1mcp auth hash-key', () => {
  it('prints a new key once and the config entry with its hash; the pair authenticates', async () => {
    const r = run(['auth', 'hash-key', '--principal', 'ci-bot']);
    expect(r.code).toBe(0);
    const key = /^key: {2}(o1m_[A-Za-z0-9_-]{43})$/m.exec(r.stdout)?.[1];
    const hash = /^hash: (sha256:[A-Za-z0-9_-]{43})$/m.exec(r.stdout)?.[1];
    expect(key && hash).toBeTruthy();
    // The printed snippet is a working config section as it stands.
    const snippet = r.stdout.slice(r.stdout.indexOf('auth:\n'), r.stdout.indexOf('\n\nClients'));
    const cfg = parseConfigText(`${snippet}\n`, 'c.yaml', { env: {} });
    expect(cfg.auth.apiKeys).toEqual([{ principal: 'ci-bot', hash, roles: [] }]);
    const gate = new AuthGate(cfg.auth);
    expect(await gate.authenticate({ apiKey: key })).toMatchObject({ ok: true, principal: { id: 'ci-bot', via: 'api-key' } });
    expect(run(['auth', 'hash-key']).stdout).not.toContain(key);
  });

  it('--stdin hashes the operator\'s own key (never taken from argv) and refuses a weak one', () => {
    const own = 'my-own-long-random-key-0123456789abcdef';
    const r = run(['auth', 'hash-key', '--stdin'], `${own}\n`);
    expect(r).toMatchObject({ code: 0, stdout: 'sha256:GS0Zi7q7_DZiFT56gKH1OhXj34HJFY1HgE_9r0JuNSk\n' });
    const weak = run(['auth', 'hash-key', '--stdin'], 'hunter2\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toBe('only1mcp: a key must be at least 32 characters (it is stored as a fast hash, so its strength is its length)\n');
    const argv = run(['auth', 'hash-key', own]);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/^only1mcp: auth hash-key takes no arguments \(pass your own key on stdin with --stdin\)/);
    expect(run(['auth']).stderr).toMatch(/^only1mcp: auth needs a subcommand: hash-key/);
  });
});
