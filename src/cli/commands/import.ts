/** `only1mcp import <client-config-file>`: a client's mcpServers file as an only1mcp config. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, stringFlag, UsageError } from '../args.js';
import { importClientConfig } from '../../config/import.js';
import { selfCommand, shellQuote } from '../self-command.js';

export async function importCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { out: true, force: false });
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('import takes exactly one client config file');
  const out = stringFlag(parsed, 'out');
  const result = importClientConfig(fs.readFileSync(file, 'utf8'), file, `${selfCommand()} validate${out === undefined ? '' : ` ${shellQuote(out)}`}`);
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (out === undefined) {
    process.stdout.write(result.yaml);
    return 0;
  }
  if (fs.existsSync(out) && !parsed.flags.force) {
    process.stderr.write(`${out} exists; pass --force to overwrite it\n`);
    return 1;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, result.yaml);
  process.stdout.write(`imported ${result.servers} servers from ${file} into ${out}\n`);
  return 0;
}
