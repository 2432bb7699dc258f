#!/usr/bin/env node
/**
 * `only1mcp` command line. Each command lives in src/cli/commands/; this
 * file only dispatches and turns errors into exit codes (0 ok, 1 failed,
 * 2 usage).
 */
import { UsageError } from './args.js';
import { ConfigError } from '../config/config-error.js';
import { start } from './commands/start.js';
import { stop, status } from './commands/stop-status.js';
import { validate } from './commands/validate.js';
import { configCommand } from './commands/config.js';
import { importCommand } from './commands/import.js';
import { list } from './commands/list.js';
import { stdioBridge } from './commands/stdio.js';
import { tokens } from './commands/tokens.js';
import { authCommand } from './commands/auth.js';
import { tui } from './commands/tui.js';
import { GATEWAY_VERSION } from '../mcp/identity.js';
import { COMMAND_USAGE, generalUsage } from './usage.js';
import { selfCommand } from './self-command.js';

const usage = (): string => generalUsage(GATEWAY_VERSION, selfCommand());

type Command = (argv: readonly string[]) => Promise<number>;

/** The command being run, so that a usage error shows that command's usage, not all of them. */
let usageOf: string | undefined;

const COMMANDS: Record<string, Command> = {
  start,
  stop,
  status,
  validate,
  config: configCommand,
  import: importCommand,
  list,
  stdio: stdioBridge,
  tokens,
  auth: authCommand,
  tui,
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined && Object.hasOwn(COMMAND_USAGE, rest[0])) {
    process.stdout.write(COMMAND_USAGE[rest[0]]!);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${GATEWAY_VERSION}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  // Every command answers --help (before the end of options, so `import -- --help` is a file).
  const end = rest.indexOf('--');
  const flags = end === -1 ? rest : rest.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(COMMAND_USAGE[name]!);
    return 0;
  }
  usageOf = name;
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // -1: a long-running command (start --foreground, stdio) that exits on its own.
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`only1mcp: ${err.message}\n\n${usageOf === undefined ? usage() : COMMAND_USAGE[usageOf]}`);
      process.exitCode = 2;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`${err.format()}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`only1mcp: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
