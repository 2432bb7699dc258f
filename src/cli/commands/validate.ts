/** `only1mcp validate [F]`: loads a config as `start` would and reports every problem with file:line:col. */
import { parseArgs, UsageError } from '../args.js';
import { loadConfigFile } from '../../config/load.js';
import { chooseConfig } from '../config-source.js';

export async function validate(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, {});
  if (parsed.positionals.length > 1) throw new UsageError('validate takes at most one file');
  const file = parsed.positionals[0] ?? chooseConfig(undefined, {}).file;
  if (file === undefined) {
    process.stderr.write('no configuration file to validate: pass one, or create the default with only1mcp config generate\n');
    return 1;
  }
  const config = await loadConfigFile(file);
  const stdio = config.servers.filter((s) => s.type === 'stdio').length;
  process.stdout.write(`${file}: OK (${config.servers.length} servers: ${stdio} stdio, ${config.servers.length - stdio} http)\n`);
  return 0;
}
