/** Lists of clients with backend sessions of their own: src/gateway/scoped-catalogs.ts. */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/gateway/catalog.js';
import { ScopedCatalogs, type ScopedServer } from '../../src/gateway/scoped-catalogs.js';
import type { UpstreamScope } from '../../src/gateway/upstream-scope.js';
import type { JsonObject } from '../../src/mcp/jsonrpc.js';
import { stdioServer } from '../helpers/server-config.js';

const servers = [stdioServer('ev'), stdioServer('docs')];

function scope(key: string, signature: string): UpstreamScope {
  return { key, capabilities: {}, signature, sessionId: key.slice(2) };
}

function setup() {
  const reference = new Catalog(servers, '__');
  reference.set('ev', 'tools', [{ name: 'echo' }, { name: 'sample' }]);
  reference.set('docs', 'tools', [{ name: 'read' }]);
  const fetched: string[] = [];
  const lists = new Map<string, JsonObject[]>();
  const scoped = new ScopedCatalogs(reference, servers, '__', async (server, kind, s, key) => {
    fetched.push(`${server}:${kind}:${key}`);
    return lists.get(key) ?? [];
  });
  const client = (s: UpstreamScope): ScopedServer[] => [{ name: 'ev', capabilities: { tools: {} }, scope: s }];
  return { reference, scoped, fetched, lists, client };
}

const names = (c: Catalog) => c.list('tools').map((t) => t.name);

describe('ScopedCatalogs', () => {
  it('serves an isolated server from the list its capabilities get, and the others from the reference', async () => {
    const { scoped, lists, client } = setup();
    lists.set('sig:none', [{ name: 'echo' }]);
    const alice = client(scope('s:alice', 'none'));
    await scoped.ensure('tools', alice);
    expect(names(scoped.catalogFor(alice))).toEqual(['ev__echo', 'docs__read']);
  });

  it('fetches a capability-keyed list once for every client alike', async () => {
    const { scoped, fetched, client } = setup();
    await scoped.ensure('tools', client(scope('s:a', 'x')));
    await scoped.ensure('tools', client(scope('s:b', 'x')));
    await scoped.ensure('tools', client(scope('s:c', 'y')));
    expect(fetched).toEqual(['ev:tools:sig:x', 'ev:tools:sig:y']);
    expect(scoped.catalogFor(client(scope('s:a', 'x')))).toBe(scoped.catalogFor(client(scope('s:b', 'x'))));
  });

  it('a client whose backend said its list changed gets lists of its own; the shared copy is refetched too', async () => {
    const { scoped, fetched, lists, client } = setup();
    lists.set('sig:x', [{ name: 'echo' }]);
    const a = client(scope('s:a', 'x'));
    const b = client(scope('s:b', 'x'));
    await scoped.ensure('tools', a);
    lists.set('own:s:a', [{ name: 'echo' }, { name: 'new' }]);
    scoped.scopeChanged('ev', 's:a', 'tools', 'x');
    expect(scoped.listKey('ev', a[0]!.scope)).toBe('own:s:a');
    expect(scoped.listKey('ev', b[0]!.scope)).toBe('sig:x');
    await scoped.ensure('tools', a);
    await scoped.ensure('tools', b);
    expect(names(scoped.catalogFor(a))).toContain('ev__new');
    expect(names(scoped.catalogFor(b))).not.toContain('ev__new');
    expect(fetched).toEqual(['ev:tools:sig:x', 'ev:tools:own:s:a', 'ev:tools:sig:x']);
  });

  it('release forgets a scope\'s own lists', async () => {
    const { scoped, client } = setup();
    const a = client(scope('s:a', 'x'));
    scoped.scopeChanged('ev', 's:a', 'tools', undefined);
    expect(scoped.listKey('ev', a[0]!.scope)).toBe('own:s:a');
    scoped.release('s:a');
    expect(scoped.listKey('ev', a[0]!.scope)).toBe('sig:x');
  });

  it('a failed fetch is retried on the next request rather than remembered', async () => {
    const reference = new Catalog(servers, '__');
    let calls = 0;
    const scoped = new ScopedCatalogs(reference, servers, '__', async () => {
      calls++;
      if (calls === 1) throw new Error('backend down');
      return [{ name: 'echo' }];
    });
    const a: ScopedServer[] = [{ name: 'ev', capabilities: { tools: {} }, scope: scope('s:a', 'x') }];
    await scoped.ensure('tools', a);
    expect(names(scoped.catalogFor(a))).toEqual([]);
    await scoped.ensure('tools', a);
    expect(names(scoped.catalogFor(a))).toEqual(['ev__echo']);
  });

  it('a reference change of the server drops its capability-keyed copies', async () => {
    const { scoped, fetched, client } = setup();
    const a = client(scope('s:a', 'x'));
    await scoped.ensure('tools', a);
    scoped.serverChanged('ev', 'tools');
    await scoped.ensure('tools', a);
    expect(fetched).toEqual(['ev:tools:sig:x', 'ev:tools:sig:x']);
  });
});
