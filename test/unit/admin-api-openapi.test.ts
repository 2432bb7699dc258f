/**
 * docs/admin-api.openapi.json: a valid OpenAPI 3.1 document whose paths are
 * exactly the routes the gateway serves (ADMIN_ROUTES, the table
 * src/worker/admin-api.ts dispatches from), every reference resolving and
 * every schema compiling; and docs/admin-api.md names every route.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '../../src/worker/admin-api.js';
import { documentedRoutes, loadOpenApi, responseChecker } from '../helpers/admin-openapi.js';
import { ROOT } from '../helpers/processes.js';

const doc = loadOpenApi();
const served = ADMIN_ROUTES.map((r) => `${r.method} /${r.path}`).sort();

describe('admin API OpenAPI document', () => {
  it('is OpenAPI 3.1 with info and a server under /api/v1/admin', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.servers[0].url).toMatch(/\/api\/v1\/admin$/);
  });

  it('documents every route the gateway serves, and no other', () => {
    expect(documentedRoutes(doc).sort()).toEqual(served);
  });

  it('every $ref resolves and every 2xx response has a JSON schema that compiles', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const r of refs) {
      const target = r.slice(8, -1).replace(/^#\//, '').split('/').reduce((o: any, k) => o?.[k], doc);
      expect(target, r).toBeDefined();
    }
    const check = responseChecker(doc);
    for (const route of ADMIN_ROUTES) {
      const ops = doc.paths[`/${route.path}`][route.method.toLowerCase()];
      const ok = Object.keys(ops.responses).find((s) => s.startsWith('2'))!;
      // A body that is surely wrong is refused: the schema is compiled and checked, not skipped.
      expect(check(route.method, `/${route.path}`, Number(ok), 42), route.path).not.toBe('');
    }
  });

  it('each error response uses the shared error shape; each route says what a refused caller gets', () => {
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.responses['403'], `${m} ${p}`).toBeDefined();
        expect(op.responses['401'], `${m} ${p}`).toBeDefined();
      }
    }
    expect(responseChecker(doc)('GET', '/servers/{name}', 404, { error: { code: 'unknown_server', message: 'no server named "x"' } })).toBe('');
  });

  it('docs/admin-api.md names every route', () => {
    const md = fs.readFileSync(path.join(ROOT, 'docs', 'admin-api.md'), 'utf8');
    for (const route of served) expect(md, route).toContain(route.replace(' /', ' /api/v1/admin/'));
  });
});
