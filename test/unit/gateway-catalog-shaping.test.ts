/**
 * Per-server filtering and shaping in the catalog: hidden items are absent
 * from lists, from search, and from name and URI lookups (a call of one is
 * refused as unknown); renamed tools and replaced descriptions show in lists
 * and route back to the backend's own name. The config comes through the
 * real loader, so what is tested is what a file says.
 */
import { describe, expect, it } from 'vitest';
import { Catalog, type CatalogWarning } from '../../src/gateway/catalog.js';
import { ContextService } from '../../src/gateway/context-service.js';
import { parseConfigText } from '../../src/config/load.js';
import type { ServerConfig } from '../../src/config/model.js';

function servers(yaml: string): readonly ServerConfig[] {
  return parseConfigText(`servers:\n${yaml}`, 'config.yaml', { env: {} }).servers;
}

function catalogOf(yaml: string) {
  const warnings: CatalogWarning[] = [];
  return { catalog: new Catalog(servers(yaml), '__', (w) => warnings.push(w)), warnings };
}

const names = (items: ReadonlyArray<Record<string, unknown>>) => items.map((i) => i.name ?? i.uri ?? i.uriTemplate);
const TOOLS = ['get-env', 'get-sum', 'echo', 'trigger-long-running-operation'].map((name) => ({ name, description: `the ${name} tool` }));

describe('tool filters', () => {
  it('hides denied tools from the list and from lookups (so a call is refused as unknown)', () => {
    const { catalog } = catalogOf('  ev:\n    command: x\n    tools: { deny: [get-env] }\n');
    catalog.set('ev', 'tools', TOOLS);
    expect(names(catalog.list('tools'))).toEqual(['ev__get-sum', 'ev__echo', 'ev__trigger-long-running-operation']);
    expect(catalog.resolve('tools', 'ev__get-env')).toBeUndefined();
    expect(catalog.resolve('tools', 'ev__echo')?.original).toBe('echo');
  });

  it('disabledTools (Windsurf, Roo Code) hides like tools.deny', () => {
    const { catalog } = catalogOf('  ev:\n    command: x\n    naming: never\n    disabledTools: [get-env, echo]\n');
    catalog.set('ev', 'tools', TOOLS);
    expect(names(catalog.list('tools'))).toEqual(['get-sum', 'trigger-long-running-operation']);
  });

  it('exposes only allowed tools, deny winning over allow, globs matching the backend\'s own names', () => {
    const { catalog } = catalogOf('  ev:\n    command: x\n    tools: { allow: ["get-*", "trigger-*"], deny: ["*-env"] }\n');
    catalog.set('ev', 'tools', TOOLS);
    expect(names(catalog.list('tools'))).toEqual(['ev__get-sum', 'ev__trigger-long-running-operation']);
  });

  it('leaves the other servers\' tools of the same name alone', () => {
    const { catalog } = catalogOf('  a:\n    command: x\n    tools: { deny: [echo] }\n  b:\n    command: y\n');
    catalog.set('a', 'tools', [{ name: 'echo' }, { name: 'x' }]);
    catalog.set('b', 'tools', [{ name: 'echo' }]);
    expect(names(catalog.list('tools'))).toEqual(['a__x', 'b__echo']);
    expect(catalog.perBackend('tools').map((p) => [p.backend, names(p.items)])).toEqual([['a', ['x']], ['b', ['echo']]]);
  });
});

describe('renames and descriptions', () => {
  it('shows a renamed tool under its new name (prefixed by the naming policy) and routes it back to the backend\'s name', () => {
    const { catalog } = catalogOf('  ev:\n    command: x\n    tools:\n      rename: { get-sum: add }\n      descriptions: { echo: "Repeats what you say." }\n');
    catalog.set('ev', 'tools', TOOLS);
    expect(names(catalog.list('tools'))).toEqual(['ev__get-env', 'ev__add', 'ev__echo', 'ev__trigger-long-running-operation']);
    expect(catalog.resolve('tools', 'ev__add')).toEqual({ backend: 'ev', original: 'get-sum', item: { name: 'ev__add', description: 'the get-sum tool' } });
    expect(catalog.resolve('tools', 'ev__get-sum')).toBeUndefined();
    expect(catalog.resolve('tools', 'ev__echo')?.item).toEqual({ name: 'ev__echo', description: 'Repeats what you say.' });
    // The backend's own list is never changed.
    expect(catalog.itemsOf('ev', 'tools')[2]).toEqual({ name: 'echo', description: 'the echo tool' });
  });

  it('under naming never, a rename is the exposed name, and it can resolve a clash', () => {
    const { catalog, warnings } = catalogOf('  a:\n    command: x\n    naming: never\n  b:\n    command: y\n    naming: never\n    tools: { rename: { search: b_search } }\n');
    catalog.set('a', 'tools', [{ name: 'search' }]);
    catalog.set('b', 'tools', [{ name: 'search' }]);
    expect(names(catalog.list('tools'))).toEqual(['search', 'b_search']);
    expect(catalog.resolve('tools', 'b_search')).toMatchObject({ backend: 'b', original: 'search' });
    expect(warnings).toEqual([]);
  });

  it('a rename onto another tool\'s name clashes like any other name (the later one hidden, with a warning)', () => {
    const { catalog, warnings } = catalogOf('  a:\n    command: x\n    naming: never\n    tools: { rename: { one: two } }\n');
    catalog.set('a', 'tools', [{ name: 'one' }, { name: 'two' }]);
    expect(names(catalog.list('tools'))).toEqual(['two']);
    expect(catalog.resolve('tools', 'two')?.original).toBe('one');
    expect(warnings).toEqual([{ kind: 'tools', key: 'two', hiddenBackend: 'a', keptBackend: 'a' }]);
  });
});

describe('prompt and resource filters', () => {
  it('hides prompts by name', () => {
    const { catalog } = catalogOf('  ev:\n    command: x\n    prompts: { deny: ["*-secret"] }\n');
    catalog.set('ev', 'prompts', [{ name: 'simple' }, { name: 'very-secret' }]);
    expect(names(catalog.list('prompts'))).toEqual(['ev__simple']);
    expect(catalog.resolve('prompts', 'ev__very-secret')).toBeUndefined();
  });

  it('hides resources and templates by URI glob, and refuses a hidden URI that a shown template matches', () => {
    const { catalog } = catalogOf('  fs:\n    command: x\n    resources: { deny: ["file:///etc/*", "db://*"] }\n');
    catalog.set('fs', 'resources', [{ uri: 'file:///etc/passwd' }, { uri: 'file:///home/readme' }]);
    catalog.set('fs', 'resourceTemplates', [{ uriTemplate: 'file:///{dir}/{name}' }, { uriTemplate: 'db://{table}' }]);
    expect(names(catalog.list('resources'))).toEqual(['file:///home/readme']);
    expect(names(catalog.list('resourceTemplates'))).toEqual(['file:///{dir}/{name}']);
    expect(catalog.resolveUri('file:///home/readme')).toBe('fs');
    expect(catalog.resolveUri('file:///home/other')).toBe('fs');
    expect(catalog.resolveUri('file:///etc/passwd')).toBeUndefined();
    expect(catalog.resolveUri('file:///etc/shadow')).toBeUndefined();
    expect(catalog.resolveUri('db://users')).toBeUndefined();
    expect(catalog.resolve('resourceTemplates', 'db://{table}')).toBeUndefined();
  });
});

describe('search mode', () => {
  it('never finds a hidden tool, and finds a renamed one by its new name and replaced description', () => {
    const { catalog } = catalogOf('  ev:\n    command: x\n    tools:\n      deny: [get-env]\n      rename: { get-sum: add_numbers }\n      descriptions: { get-sum: "Adds two numbers together." }\n');
    catalog.set('ev', 'tools', [
      { name: 'get-env', description: 'Returns all environment variables of the server process.' },
      { name: 'get-sum', description: 'Sum tool.' },
      { name: 'echo', description: 'Echoes back the input.' },
    ]);
    const service = new ContextService(catalog, { mode: 'search', budgetTokens: 4000, overrides: [] });
    const found = (q: string) => service.search(q, 5).map((h) => h.tool.name);
    expect(found('environment variables')).not.toContain('ev__get-env');
    expect(found('env')).not.toContain('ev__get-env');
    expect(found('add numbers together')[0]).toBe('ev__add_numbers');
  });

  it('rebuilds the catalog when filters change on reload', () => {
    const { catalog } = catalogOf('  ev:\n    command: x\n');
    catalog.set('ev', 'tools', TOOLS);
    expect(catalog.resolve('tools', 'ev__echo')).toBeDefined();
    catalog.reconfigure(servers('  ev:\n    command: x\n    tools: { deny: [echo] }\n'), '__');
    expect(catalog.resolve('tools', 'ev__echo')).toBeUndefined();
  });
});
