/**
 * What the authorizer is told about a listed item (authTargetOf): tools and
 * prompts by server and name, resources and templates by their URI — which
 * is also how they are routed — never by the display name they carry too.
 */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/gateway/catalog.js';
import { authTargetOf } from '../../src/gateway/router.js';
import { stdioServer } from '../helpers/server-config.js';

function catalog(): Catalog {
  const c = new Catalog([stdioServer('docs')], '__');
  c.set('docs', 'tools', [{ name: 'search', inputSchema: { type: 'object' } }]);
  c.set('docs', 'resources', [{ name: 'Handbook', uri: 'file:///handbook.md' }]);
  c.set('docs', 'resourceTemplates', [{ name: 'Page', uriTemplate: 'file:///pages/{id}' }]);
  return c;
}

describe('authTargetOf', () => {
  it('names a tool by its server and gateway name', () => {
    const c = catalog();
    const [tool] = c.list('tools');
    expect(authTargetOf(c, 'tools', tool!)).toEqual({ server: 'docs', name: 'docs__search', original: 'search' });
  });

  it('names a resource and a template by URI and finds their server, though both carry a name', () => {
    const c = catalog();
    const [resource] = c.list('resources');
    const [template] = c.list('resourceTemplates');
    expect(authTargetOf(c, 'resources', resource!)).toEqual({ server: 'docs', uri: String(resource!.uri) });
    expect(authTargetOf(c, 'resourceTemplates', template!)).toEqual({ server: 'docs', uri: String(template!.uriTemplate) });
  });
});
