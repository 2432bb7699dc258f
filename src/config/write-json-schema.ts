/**
 * Writes docs/config.schema.json. The CLI wires this to a command; a unit
 * test fails when the committed file and the schema drift apart.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText } from './json-schema.js';

/** docs/config.schema.json of this checkout (src/config → ../../docs, also from dist/src/config via the repo root lookup). */
export function defaultJsonSchemaPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../..') : path.resolve(here, '../..');
  return path.join(root, 'docs', 'config.schema.json');
}

export async function writeConfigJsonSchema(file: string = defaultJsonSchemaPath()): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, configJsonSchemaText());
  return file;
}
