/**
 * docs/admin-api.openapi.json as a validator: each documented response
 * schema compiled with Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ROOT } from './processes.js';

export const OPENAPI_FILE = path.join(ROOT, 'docs', 'admin-api.openapi.json');

export function loadOpenApi(): any {
  return JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8'));
}

/** The documented operations as `METHOD /path` (paths as the document writes them, below the admin prefix). */
export function documentedRoutes(doc = loadOpenApi()): string[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
}

/** Checks a body against the documented response of an operation; returns Ajv's errors as text ('' when valid). */
export function responseChecker(doc = loadOpenApi()): (method: string, route: string, status: number, body: unknown) => string {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'admin');
  return (method, route, status, body) => {
    const pointer = ['paths', route, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema'].map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const validate = ajv.getSchema(`admin#/${pointer}`);
    if (!validate) return `no documented schema for ${method} ${route} ${status}`;
    return validate(body) ? '' : ajv.errorsText(validate.errors);
  };
}
