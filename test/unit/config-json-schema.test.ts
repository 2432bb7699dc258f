import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.js';
import { defaultJsonSchemaPath, writeConfigJsonSchema } from '../../src/config/write-json-schema.js';

type Schema = Record<string, unknown>;

/** Every named property of every object in the schema, with its path. */
function properties(schema: Schema, at: string, out: [string, Schema][] = []): [string, Schema][] {
  for (const [key, value] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    out.push([`${at}${key}`, value]);
    properties(value, `${at}${key}.`, out);
    if (value.items) properties(value.items as Schema, `${at}${key}[].`, out);
  }
  return out;
}

describe('the config JSON Schema', () => {
  it('is committed as docs/config.schema.json, up to date (regenerate with writeConfigJsonSchema())', () => {
    const committed = readFileSync(path.resolve(import.meta.dirname, '../../docs/config.schema.json'), 'utf8');
    expect(committed).toBe(configJsonSchemaText());
    expect(defaultJsonSchemaPath()).toBe(path.resolve(import.meta.dirname, '../../docs/config.schema.json'));
  });

  it('describes every key', () => {
    const schema = configJsonSchema();
    const server = ((schema.$defs as Record<string, Schema>).server) as Schema;
    const all = [...properties(schema, ''), ...properties(server, 'servers.<name>.')];
    expect(all.length).toBeGreaterThan(40);
    const undocumented = all.filter(([key, s]) => typeof s.description !== 'string' && !key.startsWith('inputs[]')).map(([key]) => key);
    expect(undocumented).toEqual([]);
  });

  it('is strict, and shares one server definition between servers and mcpServers', () => {
    const schema = configJsonSchema() as { additionalProperties: unknown; properties: Record<string, Schema>; $defs: Record<string, Schema> };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.servers?.additionalProperties).toEqual({ $ref: '#/$defs/server' });
    expect(schema.properties.mcpServers?.additionalProperties).toEqual({ $ref: '#/$defs/server' });
    expect(schema.properties.servers?.propertyNames).toEqual({ type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' });
    expect(schema.$defs.server?.additionalProperties).toBe(false);
  });

  it('leaves URL fields free of format checks, so ${VAR} in them does not upset editors', () => {
    expect(configJsonSchemaText()).not.toContain('"format"');
  });

  it('is written by writeConfigJsonSchema', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'only1mcp-schema-')), 'nested', 'config.schema.json');
    expect(await writeConfigJsonSchema(file)).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe(configJsonSchemaText());
  });
});
