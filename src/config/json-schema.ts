/**
 * The JSON Schema editors use to complete and check a config file
 * (docs/config.schema.json), generated from the zod schema the loader
 * validates with, so the two cannot disagree. Rules between keys (command
 * or url, type agreeing with them) are the loader's alone; the schema gives
 * editors the structure, the descriptions and the defaults in prose.
 */
import * as z from 'zod';
import { ConfigFileSchema } from './schema.js';

export const CONFIG_SCHEMA_TITLE = 'only1mcp configuration';

export function configJsonSchema(): Record<string, unknown> {
  // 'input': the schema describes what a user writes, before any transform.
  const generated = z.toJSONSchema(ConfigFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title: CONFIG_SCHEMA_TITLE, ...rest };
}

/** The exact text of docs/config.schema.json. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
