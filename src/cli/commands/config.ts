/** `only1mcp config generate|schema|path`. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, stringFlag, UsageError } from '../args.js';
import { TEMPLATES, type TemplateName } from '../../config/templates.js';
import { configJsonSchemaText } from '../../config/json-schema.js';
import { defaultConfigPath } from '../../config/defaults.js';

export async function configCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'generate':
      return generate(rest);
    case 'schema':
      process.stdout.write(configJsonSchemaText());
      return 0;
    case 'path':
      process.stdout.write(`${defaultConfigPath()}\n`);
      return 0;
    default:
      throw new UsageError(`config needs a subcommand: generate, schema or path${sub ? ` (got ${JSON.stringify(sub)})` : ''}`);
  }
}

function generate(argv: readonly string[]): number {
  const parsed = parseArgs(argv, { template: true, out: true, force: false });
  const template = stringFlag(parsed, 'template') ?? 'solo';
  if (!(template in TEMPLATES)) throw new UsageError(`--template must be one of ${Object.keys(TEMPLATES).join(', ')}`);
  const text = TEMPLATES[template as TemplateName];
  const out = stringFlag(parsed, 'out');
  if (out === undefined) {
    process.stdout.write(text);
    return 0;
  }
  if (fs.existsSync(out) && !parsed.flags.force) {
    process.stderr.write(`${out} exists; pass --force to overwrite it\n`);
    return 1;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  process.stdout.write(`wrote the ${template} template to ${out}\n`);
  return 0;
}
