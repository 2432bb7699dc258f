import { describe, expect, it } from 'vitest';
import { Catalog, KIND_METHOD, LIST_METHODS, servesKind, type CatalogWarning } from '../../src/gateway/catalog.js';
import type { NamingPolicy, ServerConfig } from '../../src/config/model.js';
import { stdioServer } from '../helpers/server-config.js';

function server(name: string, naming: NamingPolicy = 'on-collision', prefix = name): ServerConfig {
  return stdioServer(name, { naming, prefix });
}

function setup(servers: ServerConfig[], separator = '__') {
  const warnings: CatalogWarning[] = [];
  const catalog = new Catalog(servers, separator, (w) => warnings.push(w));
  return { catalog, warnings };
}

const names = (items: Array<Record<string, unknown>>) => items.map((i) => i.name);

describe('Catalog', () => {
  it('renames colliding tools and routes exposed names back to backend and original name', () => {
    const { catalog } = setup([server('a'), server('b')]);
    catalog.set('a', 'tools', [{ name: 'search', description: 'A' }, { name: 'only_a' }]);
    catalog.set('b', 'tools', [{ name: 'search', description: 'B' }]);
    expect(names(catalog.list('tools'))).toEqual(['a__search', 'only_a', 'b__search']);
    expect(catalog.resolve('tools', 'b__search')).toEqual({ backend: 'b', original: 'search', item: { name: 'b__search', description: 'B' } });
    expect(catalog.resolve('tools', 'only_a')?.backend).toBe('a');
    expect(catalog.resolve('tools', 'search')).toBeUndefined();
  });

  it('serves an unrenamed item as the backend object itself and never mutates a renamed one', () => {
    const { catalog } = setup([server('a', 'prefix'), server('b', 'never')]);
    const aTool = { name: 't', inputSchema: { type: 'object' } };
    const bTool = { name: 'u' };
    catalog.set('a', 'tools', [aTool]);
    catalog.set('b', 'tools', [bTool]);
    const [first, second] = catalog.list('tools');
    expect(first).toEqual({ name: 'a__t', inputSchema: { type: 'object' } });
    expect(aTool.name).toBe('t');
    expect(second).toBe(bTool);
  });

  it('lists in config order whatever order the backends answered in', () => {
    const { catalog } = setup([server('a', 'never'), server('b', 'never')]);
    catalog.set('b', 'prompts', [{ name: 'p_b' }]);
    catalog.set('a', 'prompts', [{ name: 'p_a' }]);
    expect(names(catalog.list('prompts'))).toEqual(['p_a', 'p_b']);
    expect(catalog.perBackend('prompts')).toEqual([
      { backend: 'a', items: [{ name: 'p_a' }] },
      { backend: 'b', items: [{ name: 'p_b' }] },
    ]);
  });

  it('skips items without a string key', () => {
    const { catalog } = setup([server('a')]);
    catalog.set('a', 'tools', [{ name: 3 }, { description: 'no name' }, { name: 'ok' }]);
    expect(names(catalog.list('tools'))).toEqual(['ok']);
  });

  it('warns when a name is hidden by a collision under policy never', () => {
    const { catalog, warnings } = setup([server('a', 'never'), server('b', 'never')]);
    catalog.set('a', 'tools', [{ name: 'search' }]);
    catalog.set('b', 'tools', [{ name: 'search' }]);
    expect(names(catalog.list('tools'))).toEqual(['search']);
    expect(warnings).toEqual([{ kind: 'tools', key: 'search', hiddenBackend: 'b', keptBackend: 'a' }]);
  });

  it('never renames resources, whatever the policy; a URI offered twice goes to the first server, with a warning', () => {
    const { catalog, warnings } = setup([server('a', 'prefix'), server('b', 'prefix')]);
    catalog.set('a', 'resources', [{ uri: 'file:///shared', name: 'A' }]);
    catalog.set('b', 'resources', [{ uri: 'file:///shared', name: 'B' }, { uri: 'file:///b-only' }]);
    expect(catalog.list('resources')).toEqual([{ uri: 'file:///shared', name: 'A' }, { uri: 'file:///b-only' }]);
    expect(catalog.resolve('resources', 'file:///shared')?.backend).toBe('a');
    expect(warnings).toEqual([{ kind: 'resources', key: 'file:///shared', hiddenBackend: 'b', keptBackend: 'a' }]);
  });

  it('keys resource templates by uriTemplate and never renames them', () => {
    const { catalog } = setup([server('a', 'prefix')]);
    catalog.set('a', 'resourceTemplates', [{ uriTemplate: 'db://{table}', name: 'table' }]);
    expect(catalog.list('resourceTemplates')).toEqual([{ uriTemplate: 'db://{table}', name: 'table' }]);
    expect(catalog.resolve('resourceTemplates', 'db://{table}')).toMatchObject({ backend: 'a', original: 'db://{table}' });
  });

  describe('resolveUri', () => {
    it('routes a listed resource, then the first matching template, else nothing', () => {
      const { catalog } = setup([server('a'), server('b')]);
      catalog.set('a', 'resourceTemplates', [{ uriTemplate: 'file:///{path}' }]);
      catalog.set('b', 'resources', [{ uri: 'file:///readme' }]);
      catalog.set('b', 'resourceTemplates', [{ uriTemplate: 'db://{table}/rows{?limit}' }]);
      // The listed resource wins over an earlier server's template that would also match.
      expect(catalog.resolveUri('file:///readme')).toBe('b');
      expect(catalog.resolveUri('file:///other')).toBe('a');
      expect(catalog.resolveUri('db://users/rows?limit=5')).toBe('b');
      expect(catalog.resolveUri('http://nowhere')).toBeUndefined();
    });

    it('uses templates in config order', () => {
      const { catalog } = setup([server('a'), server('b')]);
      catalog.set('b', 'resourceTemplates', [{ uriTemplate: 'x://{id}' }]);
      catalog.set('a', 'resourceTemplates', [{ uriTemplate: 'x://{+rest}' }]);
      expect(catalog.resolveUri('x://1')).toBe('a');
    });
  });

  it('has() tells whether a backend has sent a list of a kind', () => {
    const { catalog } = setup([server('a')]);
    expect(catalog.has('a', 'tools')).toBe(false);
    catalog.set('a', 'tools', []);
    expect(catalog.has('a', 'tools')).toBe(true);
    expect(catalog.has('a', 'prompts')).toBe(false);
  });

  it('drop removes a backend; a name it hid comes back; dropping an unknown backend changes nothing', () => {
    const { catalog } = setup([server('a', 'never'), server('b', 'never')]);
    catalog.set('a', 'tools', [{ name: 'search', description: 'A' }]);
    catalog.set('b', 'tools', [{ name: 'search', description: 'B' }]);
    catalog.set('a', 'resources', [{ uri: 'file:///a' }]);
    catalog.drop('a');
    expect(catalog.list('tools')).toEqual([{ name: 'search', description: 'B' }]);
    expect(catalog.resolve('resources', 'file:///a')).toBeUndefined();
    expect(catalog.has('a', 'tools')).toBe(false);
    const revision = catalog.revision;
    catalog.drop('a');
    catalog.drop('nope');
    expect(catalog.revision).toBe(revision);
  });

  it('bumps its revision on every change', () => {
    const { catalog } = setup([server('a')]);
    const r0 = catalog.revision;
    catalog.set('a', 'tools', [{ name: 'x' }]);
    const r1 = catalog.revision;
    expect(r1).toBeGreaterThan(r0);
    catalog.reconfigure([server('a')], '__');
    expect(catalog.revision).toBeGreaterThan(r1);
  });

  it('reconfigure applies a new policy and separator and forgets removed servers', () => {
    const { catalog } = setup([server('a'), server('b')]);
    catalog.set('a', 'tools', [{ name: 't' }]);
    catalog.set('b', 'tools', [{ name: 'u' }]);
    catalog.reconfigure([server('a', 'prefix', 'alpha')], '-');
    expect(names(catalog.list('tools'))).toEqual(['alpha-t']);
    expect(catalog.resolve('tools', 'alpha-t')).toMatchObject({ backend: 'a', original: 't' });
    // b's lists are gone: re-adding it does not bring back its old tools.
    catalog.reconfigure([server('a', 'prefix', 'alpha'), server('b')], '-');
    expect(catalog.has('b', 'tools')).toBe(false);
    expect(names(catalog.list('tools'))).toEqual(['alpha-t']);
  });

  // BUG (src/gateway/naming.ts:59 via src/gateway/catalog.ts:162): resources and templates get
  // policy 'never', but assignNames still passes every unprefixed key through fitName, which cuts
  // keys over 64 characters. A long URI is listed as a mangled URI and cannot be resolved.
  it('lists and resolves a resource URI longer than 64 characters unchanged', () => {
    const { catalog } = setup([server('a')]);
    const uri = `file:///home/user/projects/some-repository/src/deeply/nested/folder/${'x'.repeat(40)}.ts`;
    catalog.set('a', 'resources', [{ uri }]);
    expect(catalog.list('resources')).toEqual([{ uri }]);
    expect(catalog.resolveUri(uri)).toBe('a');
  });

  it('lists a resource template longer than 64 characters unchanged', () => {
    const { catalog } = setup([server('a')]);
    const uriTemplate = 'https://api.example.com/v1/organisations/{org}/repositories/{repo}/issues/{number}';
    catalog.set('a', 'resourceTemplates', [{ uriTemplate }]);
    expect(catalog.list('resourceTemplates')).toEqual([{ uriTemplate }]);
  });
});

describe('list method tables', () => {
  it('map list methods to kinds and back', () => {
    for (const [method, kind] of Object.entries(LIST_METHODS)) expect(KIND_METHOD[kind]).toBe(method);
  });

  it('servesKind reads the capability object of the kind', () => {
    expect(servesKind({ tools: {} }, 'tools')).toBe(true);
    expect(servesKind({ resources: { subscribe: true } }, 'resourceTemplates')).toBe(true);
    expect(servesKind({ tools: true }, 'tools')).toBe(false);
    expect(servesKind({}, 'prompts')).toBe(false);
  });
});
