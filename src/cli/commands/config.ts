/** `only1mcp config generate|schema|path|bridge`. */
import fs from 'node:fs';
import path from 'node:path';
import { intFlag, parseArgs, stringFlag, UsageError } from '../args.js';
import { MAIN_SCRIPT } from '../self-command.js';
import { addressFromUrl } from '../gateway-url.js';
import { CONTEXT_MODES } from '../../config/schema-parts.js';
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
    case 'bridge':
      return bridge(rest);
    default:
      throw new UsageError(`config needs a subcommand: generate, schema, path or bridge${sub ? ` (got ${JSON.stringify(sub)})` : ''}`);
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

/**
 * The mcpServers entry that runs the stdio bridge, with absolute paths to
 * node and to this installation: desktop apps start commands with a short
 * PATH of their own, where neither `only1mcp` nor `node` may be found.
 */
function bridge(argv: readonly string[]): number {
  const parsed = parseArgs(argv, { port: true, url: true, context: true });
  if (parsed.positionals.length > 0) throw new UsageError('config bridge takes no arguments');
  const args = [MAIN_SCRIPT, 'stdio'];
  const port = intFlag(parsed, 'port', 1, 65535);
  const url = stringFlag(parsed, 'url');
  if (port !== undefined && url !== undefined) throw new UsageError('pass --url or --port, not both');
  if (port !== undefined) args.push('--port', String(port));
  if (url !== undefined) args.push('--url', addressFromUrl(url).endpoint);
  const mode = stringFlag(parsed, 'context');
  if (mode !== undefined) {
    if (!(CONTEXT_MODES as readonly string[]).includes(mode)) throw new UsageError(`--context must be one of ${CONTEXT_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
    args.push('--context', mode);
  }
  process.stdout.write(`${JSON.stringify({ mcpServers: { only1mcp: { command: process.execPath, args } } }, null, 2)}\n`);
  return 0;
}
