/**
 * AdminActions over one in-process store shared by two "nodes": an action
 * taken on one is carried out there and heard by the other (never twice by
 * the one that took it), the disabled set is kept for a node that starts
 * later, and a reload's config error names its file, line and key.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/state/memory-store.js';
import { AdminActions, withDisabled, type ActionTargets, type ReloadOutcome } from '../../src/primary/admin-actions.js';
import { ConfigError } from '../../src/config/config-error.js';
import { silentLogger } from '../../src/observe/log.js';
import type { GatewayConfig } from '../../src/config/model.js';

class Node implements ActionTargets {
  readonly log: string[] = [];
  applied: string[][] = [];
  reloadWith: ReloadOutcome = { ok: true, generation: 2 };
  servers = () => ['box', 'web'];
  async applyDisabled(disabled: ReadonlySet<string>): Promise<void> {
    this.applied.push([...disabled]);
  }
  async restart(server: string): Promise<void> {
    this.log.push(`restart ${server}`);
  }
  async reload(why: string): Promise<ReloadOutcome> {
    this.log.push(`reload (${why})`);
    return this.reloadWith;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('AdminActions', () => {
  it('an action runs where it was asked and once on every other node', async () => {
    const store = new MemoryStore();
    const [a, b] = [new Node(), new Node()];
    const actionsA = new AdminActions(store, 'a', a, silentLogger());
    const actionsB = new AdminActions(store, 'b', b, silentLogger());
    await Promise.all([actionsA.start(100), actionsB.start(100)]);

    expect(await actionsA.server('restart', 'box')).toEqual({ status: 202, body: { ok: true, action: 'restart', server: 'box' } });
    await settle();
    expect(a.log).toEqual(['restart box']);
    expect(b.log).toEqual(['restart box']);

    await actionsB.server('disable', 'web');
    await settle();
    expect([...actionsA.disabled]).toEqual(['web']);
    expect(a.applied).toEqual([['web']]);
    // Disabling again changes nothing, so nothing is applied again.
    await actionsA.server('disable', 'web');
    await settle();
    expect(a.applied).toEqual([['web']]);
    expect(b.applied).toEqual([['web']]);

    // A node that starts now reads the set from the store.
    const late = new AdminActions(store, 'c', new Node(), silentLogger());
    await late.start(100);
    expect([...late.disabled]).toEqual(['web']);

    await actionsA.server('enable', 'web');
    await settle();
    expect(b.applied.at(-1)).toEqual([]);
    for (const x of [actionsA, actionsB, late]) x.close();
  });

  it('an unknown server is a 404 and reaches no node', async () => {
    const store = new MemoryStore();
    const b = new Node();
    const actionsA = new AdminActions(store, 'a', new Node(), silentLogger());
    const actionsB = new AdminActions(store, 'b', b, silentLogger());
    await Promise.all([actionsA.start(100), actionsB.start(100)]);
    const r = await actionsA.server('disable', 'nope');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'unknown_server', message: 'no server named "nope" in the configuration' } });
    await settle();
    expect(b.applied).toEqual([]);
  });

  it('a reload that fails answers 400 with the file, line, column and key of each problem', async () => {
    const node = new Node();
    node.reloadWith = { ok: false, error: ConfigError.at('/etc/o.yaml', 7, 5, ['servers', 'x', 'command'], 'expected a string, got a number') };
    const actions = new AdminActions(undefined, 'a', node, silentLogger());
    const r = await actions.reload();
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: {
        code: 'config_invalid',
        message: '/etc/o.yaml:7:5: servers.x.command: expected a string, got a number',
        file: '/etc/o.yaml',
        line: 7,
        column: 5,
        key: 'servers.x.command',
        issues: [{ file: '/etc/o.yaml', line: 7, column: 5, key: 'servers.x.command', message: 'expected a string, got a number' }],
      },
    });
  });
});

describe('withDisabled', () => {
  it('marks disabled servers enabled: false and leaves the rest (and the input) alone', () => {
    const config = { servers: [{ name: 'a', common: { enabled: true } }, { name: 'b', common: { enabled: true } }] } as unknown as GatewayConfig;
    const out = withDisabled(config, new Set(['b']));
    expect(out.servers.map((s) => s.common.enabled)).toEqual([true, false]);
    expect(config.servers[1]!.common.enabled).toBe(true);
    expect(withDisabled(config, new Set())).toBe(config);
  });
});
