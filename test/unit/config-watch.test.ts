/** Config reloads against a real directory with real file writes. */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { diffServers } from '../../src/config/diff-servers.js';
import { parseConfigText } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/model.js';
import { CONFIG_WATCH_DEBOUNCE_MS, watchConfig, type ConfigWatcher } from '../../src/config/watch.js';

// Pass-through, keeping the last watcher so a test can make it fail.
const watchers: FSWatcher[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    watch: (...args: Parameters<typeof fs.watch>) => {
      const w = fs.watch(...args);
      watchers.push(w);
      return w;
    },
  };
});

/** Most tests debounce less than the default to run faster; one uses the default. */
const TEST_DEBOUNCE_MS = 50;
/** Long enough for any event the watcher would act on to have been acted on. */
const SETTLE_MS = CONFIG_WATCH_DEBOUNCE_MS * 2;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function serversYaml(...names: string[]): string {
  return `servers:\n${names.map((n) => `  ${n}:\n    command: npx\n`).join('')}`;
}

describe('watchConfig', () => {
  let watcher: ConfigWatcher | undefined;
  let dir: string;
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(
    initial: string,
    debounceMs = TEST_DEBOUNCE_MS,
  ): Promise<{ file: string; changes: GatewayConfig[]; errors: ConfigError[] }> {
    dir = mkdtempSync(path.join(os.tmpdir(), 'only1mcp-watch-'));
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, initial);
    const changes: GatewayConfig[] = [];
    const errors: ConfigError[] = [];
    watcher = watchConfig(file, (c) => changes.push(c), (e) => errors.push(e), { env: {}, debounceMs });
    await sleep(SETTLE_MS); // let the initial load finish
    return { file, changes, errors };
  }

  it('reports a changed config once per save (default debounce)', async () => {
    const { file, changes, errors } = await start(serversYaml('a'), CONFIG_WATCH_DEBOUNCE_MS);
    writeFileSync(file, serversYaml('a', 'b'));
    await until(() => changes.length === 1, 'the change');
    await sleep(SETTLE_MS);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.servers.map((s) => s.name)).toEqual(['a', 'b']);
    expect(Object.isFrozen(changes[0])).toBe(true);
    expect(errors).toEqual([]);
  });

  it('stays quiet when a save does not change the normalised config', async () => {
    const { file, changes, errors } = await start(serversYaml('a'));
    writeFileSync(file, `# just a comment\n${serversYaml('a')}`);
    writeFileSync(file, serversYaml('a').replace('command: npx', 'command: "npx"   # quoted now'));
    await sleep(SETTLE_MS);
    expect(changes).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('reports a broken edit, keeps quiet about the old config, then reports the fix', async () => {
    const { file, changes, errors } = await start(serversYaml('a'));
    writeFileSync(file, 'servers:\n  a:\n    command: 5\n');
    await until(() => errors.length === 1, 'the error');
    expect(errors[0]?.format()).toBe(`${file}:3:5: servers.a.command: expected a string, got a number`);
    expect(changes).toEqual([]);
    // Back to what was in force: nothing changed from the gateway's point of view.
    writeFileSync(file, serversYaml('a'));
    await sleep(SETTLE_MS);
    expect(changes).toEqual([]);
    writeFileSync(file, serversYaml('c'));
    await until(() => changes.length === 1, 'the fix');
    expect(changes[0]?.servers.map((s) => s.name)).toEqual(['c']);
  });

  it('follows a delete and recreate', async () => {
    const { file, changes, errors } = await start(serversYaml('a'));
    unlinkSync(file);
    writeFileSync(file, serversYaml('recreated'));
    await until(() => changes.length === 1, 'the recreated file');
    expect(changes[0]?.servers.map((s) => s.name)).toEqual(['recreated']);
    expect(errors).toEqual([]);
    // The watch survives: later saves are still seen.
    writeFileSync(file, serversYaml('again'));
    await until(() => changes.length === 2, 'a save after the recreate');
  });

  it('follows an editor\'s atomic save (write a temporary file, rename it over)', async () => {
    const { file, changes } = await start(serversYaml('a'));
    for (const name of ['renamed', 'twice']) {
      const tmp = path.join(dir, `.config.yaml.${name}.tmp`);
      writeFileSync(tmp, serversYaml(name));
      renameSync(tmp, file);
      await until(() => changes.at(-1)?.servers[0]?.name === name, `rename ${name}`);
    }
    expect(changes.map((c) => c.servers[0]?.name)).toEqual(['renamed', 'twice']);
  });

  it('follows a Kubernetes ConfigMap update (the ..data symlink is swapped)', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'only1mcp-watch-'));
    const version = (name: string, text: string): void => {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'config.yaml'), text);
    };
    version('..v1', serversYaml('a'));
    symlinkSync('..v1', path.join(dir, '..data'));
    symlinkSync('..data/config.yaml', path.join(dir, 'config.yaml'));
    const changes: GatewayConfig[] = [];
    watcher = watchConfig(path.join(dir, 'config.yaml'), (c) => changes.push(c), () => undefined, { env: {}, debounceMs: TEST_DEBOUNCE_MS });
    await sleep(SETTLE_MS);
    version('..v2', serversYaml('b'));
    symlinkSync('..v2', path.join(dir, '..data_tmp'));
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    await until(() => changes.length === 1, 'the swapped version');
    expect(changes[0]?.servers.map((s) => s.name)).toEqual(['b']);
  });

  it('reports a deleted file that does not come back', async () => {
    const { file, errors } = await start(serversYaml('a'));
    unlinkSync(file);
    await until(() => errors.length === 1, 'the error');
    expect(errors[0]?.format()).toBe(`${file}: cannot read the config file (ENOENT)`);
  });

  it('measures changes against the config the caller already runs', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'only1mcp-watch-'));
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, serversYaml('a'));
    const initial = parseConfigText(serversYaml('x'), file, { env: {} });
    const changes: GatewayConfig[] = [];
    watcher = watchConfig(file, (c) => changes.push(c), () => undefined, { env: {}, initial, debounceMs: TEST_DEBOUNCE_MS });
    writeFileSync(file, serversYaml('x'));
    await sleep(SETTLE_MS);
    expect(changes).toEqual([]);
    writeFileSync(file, serversYaml('y'));
    await until(() => changes.length === 1, 'the change');
  });

  it('reports a watch that fails', async () => {
    const { errors } = await start(serversYaml('a'));
    watchers.at(-1)?.emit('error', Object.assign(new Error('too many open files'), { code: 'EMFILE' }));
    expect(errors.map((e) => e.format())).toEqual([`${path.join(dir, 'config.yaml')}: stopped watching ${dir} (EMFILE)`]);
  });

  it('refuses a directory that does not exist', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'only1mcp-watch-'));
    const file = path.join(dir, 'missing', 'config.yaml');
    expect(() => watchConfig(file, () => undefined, () => undefined)).toThrow(ConfigError);
    expect(() => watchConfig(file, () => undefined, () => undefined)).toThrow(`${file}: cannot watch ${path.join(dir, 'missing')} (ENOENT)`);
  });

  it('stops after close()', async () => {
    const { file, changes, errors } = await start(serversYaml('a'));
    watcher?.close();
    writeFileSync(file, serversYaml('b'));
    await sleep(SETTLE_MS);
    expect(changes).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('diffServers', () => {
  const cfg = (text: string): GatewayConfig => parseConfigText(text, 'c.yaml', { env: {} });

  it('sorts servers into added, removed and changed by name', () => {
    const before = cfg('servers:\n  keep: { command: a }\n  edit: { command: a }\n  drop: { command: a }\n');
    const after = cfg('servers:\n  keep: { command: a }\n  edit: { command: a, args: [x] }\n  new: { url: "https://n.example/mcp" }\n');
    const diff = diffServers(before, after);
    expect(diff.added.map((s) => s.name)).toEqual(['new']);
    expect(diff.removed.map((s) => s.name)).toEqual(['drop']);
    expect(diff.changed.map((c) => [c.before.name, c.after.type === 'stdio' && c.after.args])).toEqual([['edit', ['x']]]);
  });

  it('counts a change of defaults as a change, and a reorder as none', () => {
    const before = cfg('servers:\n  a: { command: a }\n  b: { command: b }\n');
    expect(diffServers(before, cfg('servers:\n  b: { command: b }\n  a: { command: a }\n'))).toEqual({ added: [], removed: [], changed: [] });
    const renamedDefault = diffServers(before, cfg('naming: { default: never }\nservers:\n  a: { command: a }\n  b: { command: b }\n'));
    expect(renamedDefault.changed.map((c) => c.after.name)).toEqual(['a', 'b']);
  });
});
