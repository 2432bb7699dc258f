/**
 * RBAC: one authorize() for calls, reads and prompts, the same check as a
 * list filter, grants that add up, unknown roles that grant nothing, the
 * admin permission, denials naming the missing permission, and role-set
 * keys that let principals with the same roles share a list cache.
 */
import { describe, expect, it } from 'vitest';
import { ACTION_OF_METHOD, Authorizer, type Decision } from '../../src/auth/authorizer.js';
import { compileGlobs } from '../../src/auth/glob.js';
import { makePrincipal } from '../../src/auth/principal.js';
import { parseConfigText } from '../../src/config/load.js';

const KEY_HASH = `sha256:${'A'.repeat(43)}`;

function authorizer(rolesYaml: string, extra = ''): Authorizer {
  const text = `auth:\n  apiKeys:\n    - { principal: k, hash: "${KEY_HASH}" }\n${extra}${rolesYaml === '' ? '' : `  roles:\n${rolesYaml}`}`;
  return new Authorizer(parseConfigText(text, 'c.yaml', { env: {} }).auth);
}

const ROLES = `    admin: { servers: ["*"], admin: true }
    reader: { tools: [ev__echo, ev__get-sum] }
    gh-readonly:
      originalTools: { "git*": ["list_*", "get_*"] }
    docs:
      resources: ["file:///docs/*", "mem://notes/**"]
      prompts: [ev__simple*]
    everything-ev: { servers: [ev] }
`;

const reader = makePrincipal('rita', ['reader'], 'jwt');
const tool = (name: string, server = 'ev', original = name.replace(/^ev__/, '')) => ({ server, name, original });

function denied(d: Decision): { permission: string; message: string } {
  if (d.allowed) throw new Error('allowed');
  return { permission: d.permission, message: d.message };
}

describe('globs', () => {
  it('names: * is any run, ? one character, the rest literal', () => {
    const re = compileGlobs(['ev__*', 'a.b?'], 'name')!;
    expect(['ev__echo', 'ev__', 'ev__x/y', 'a.bc'].map((s) => re.test(s))).toEqual([true, true, true, true]);
    expect(['ev_echo', 'aXbc', 'a.bcd'].map((s) => re.test(s))).toEqual([false, false, false]);
  });

  it('URIs: * stops at "/", ** does not', () => {
    const re = compileGlobs(['file:///docs/*'], 'uri')!;
    expect(re.test('file:///docs/a.md')).toBe(true);
    expect(re.test('file:///docs/sub/a.md')).toBe(false);
    expect(compileGlobs(['file:///docs/**'], 'uri')!.test('file:///docs/sub/a.md')).toBe(true);
    expect(compileGlobs(['(a|b)+[x]'], 'name')!.test('(a|b)+[x]')).toBe(true);
    expect(compileGlobs([], 'name')).toBeUndefined();
  });
});

describe('authorize', () => {
  const az = authorizer(ROLES);

  it('grants the tools a role names, by exposed name, and nothing else', () => {
    expect(az.authorize(reader, 'tools/call', tool('ev__echo')).allowed).toBe(true);
    expect(az.authorize(reader, 'tools/call', tool('ev__get-sum')).allowed).toBe(true);
    expect(denied(az.authorize(reader, 'tools/call', tool('ev__add')))).toEqual({
      permission: 'tools/call ev__add',
      message: 'principal "rita" (roles: reader) may not call tool ev__add: missing permission "tools/call ev__add"',
    });
  });

  it('grants by original name on matching servers', () => {
    const p = makePrincipal('g', ['gh-readonly'], 'jwt');
    expect(az.authorize(p, 'tools/call', { server: 'github', name: 'github__list_repos', original: 'list_repos' }).allowed).toBe(true);
    expect(az.authorize(p, 'tools/call', { server: 'github', name: 'github__delete_repo', original: 'delete_repo' }).allowed).toBe(false);
    expect(az.authorize(p, 'tools/call', { server: 'other', name: 'other__list_x', original: 'list_x' }).allowed).toBe(false);
  });

  it('grants resources by URI glob and prompts by name; a server grant covers all three', () => {
    const docs = makePrincipal('d', ['docs'], 'api-key');
    expect(az.authorize(docs, 'resources/read', { server: 'fs', uri: 'file:///docs/a.md' }).allowed).toBe(true);
    expect(az.authorize(docs, 'resources/read', { server: 'fs', uri: 'file:///etc/passwd' }).allowed).toBe(false);
    expect(az.authorize(docs, 'resources/read', { server: 'mem', uri: 'mem://notes/a/b' }).allowed).toBe(true);
    expect(az.authorize(docs, 'prompts/get', { server: 'ev', name: 'ev__simple_prompt', original: 'simple_prompt' }).allowed).toBe(true);
    expect(denied(az.authorize(docs, 'prompts/get', { server: 'ev', name: 'ev__complex', original: 'complex' })).permission).toBe('prompts/get ev__complex');
    const ev = makePrincipal('e', ['everything-ev'], 'jwt');
    expect(az.authorize(ev, 'tools/call', tool('ev__anything')).allowed).toBe(true);
    expect(az.authorize(ev, 'resources/read', { server: 'ev', uri: 'demo://resource/1' }).allowed).toBe(true);
    expect(az.authorize(ev, 'tools/call', tool('gh__x', 'gh', 'x')).allowed).toBe(false);
  });

  it('adds up the grants of several roles; roles the config does not define grant nothing', () => {
    const both = makePrincipal('b', ['reader', 'docs', 'made-up'], 'jwt');
    expect(az.authorize(both, 'tools/call', tool('ev__echo')).allowed).toBe(true);
    expect(az.authorize(both, 'resources/read', { server: 'fs', uri: 'file:///docs/x' }).allowed).toBe(true);
    expect(az.authorize(makePrincipal('m', ['made-up'], 'jwt'), 'tools/call', tool('ev__echo')).allowed).toBe(false);
    expect(denied(az.authorize(makePrincipal('n', [], 'jwt'), 'tools/call', tool('ev__echo'))).message).toContain('(no roles)');
  });

  it('admin needs a role with admin: true, and denials of it are GW_ERR_FORBIDDEN', () => {
    expect(az.authorize(makePrincipal('root', ['admin'], 'jwt'), 'admin').allowed).toBe(true);
    const d = az.authorize(reader, 'admin');
    expect(denied(d).permission).toBe('admin');
    const err = Authorizer.errorFor(d as Exclude<Decision, { allowed: true }>);
    expect(err.toJsonRpc()).toEqual({ code: -31051, message: expect.stringContaining('may not use the admin API'), data: { code: 'GW_ERR_FORBIDDEN', permission: 'admin' } });
    const callErr = Authorizer.errorFor(az.authorize(reader, 'tools/call', tool('ev__add')) as Exclude<Decision, { allowed: true }>);
    expect(callErr.toJsonRpc()).toMatchObject({ code: -31052, data: { code: 'GW_ERR_PERMISSION_DENIED', permission: 'tools/call ev__add' } });
  });

  it('without roles: no RBAC for tools, resources and prompts, but admin still needs a role', () => {
    const open = authorizer('');
    const p = makePrincipal('x', [], 'api-key');
    expect(open.authorize(p, 'tools/call', tool('ev__anything')).allowed).toBe(true);
    expect(open.authorize(p, 'admin').allowed).toBe(false);
    expect(open.roleSetKey(p)).toBe('*');
  });

  it('without an auth section: everything, admin included', () => {
    const none = new Authorizer(parseConfigText('servers: {}\n', 'c.yaml', { env: {} }).auth);
    expect(none.authorize(makePrincipal('anonymous', [], 'anonymous'), 'admin').allowed).toBe(true);
  });

  it('maps every list, read and subscribe method to the permission of using it', () => {
    expect(ACTION_OF_METHOD['tools/list']).toBe('tools/call');
    expect(ACTION_OF_METHOD['resources/templates/list']).toBe('resources/read');
    expect(ACTION_OF_METHOD['resources/subscribe']).toBe('resources/read');
    expect(ACTION_OF_METHOD['prompts/list']).toBe('prompts/get');
  });
});

describe('lists', () => {
  const az = authorizer(ROLES);
  const tools = ['ev__echo', 'ev__add', 'ev__get-sum', 'ev__zip'].map((name) => ({ name }));

  it('filter keeps what authorize allows, in order, and returns the same array when it keeps all', () => {
    const kept = az.filter(reader, 'tools/call', tools, (t) => tool(t.name));
    expect(kept.map((t) => t.name)).toEqual(['ev__echo', 'ev__get-sum']);
    const root = makePrincipal('root', ['admin'], 'jwt');
    expect(az.filter(root, 'tools/call', tools, (t) => tool(t.name))).toBe(tools);
  });

  it('gives principals with the same defined roles the same role-set key, whatever their order or extra undefined roles', () => {
    const a = makePrincipal('a', ['reader', 'docs'], 'jwt');
    const b = makePrincipal('b', ['docs', 'reader', 'unknown'], 'api-key');
    expect(az.roleSetKey(a)).toBe('docs,reader');
    expect(az.roleSetKey(b)).toBe('docs,reader');
    expect(az.roleSetKey(reader)).toBe('reader');
    expect(az.roleSetKey(makePrincipal('c', [], 'jwt'))).toBe('');
  });
});
