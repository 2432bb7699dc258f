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
import { GATEWAY_VERSION } from '../mcp/identity.js';

const USAGE = `only1mcp ${GATEWAY_VERSION}: one MCP endpoint in front of many MCP servers

Usage:
  only1mcp start [--foreground] [--config F] [--port N] [--host H] [--workers N] [--redis URL] [--log-level L] [--log-format pretty|json]
  only1mcp stop [--port N]
  only1mcp status [--port N]
  only1mcp validate [F]
  only1mcp config generate --template solo|team|enterprise [--out F]
  only1mcp config schema
  only1mcp config path
  only1mcp import <client-config-file> [--out F]
  only1mcp list [--port N | --url URL]
  only1mcp stdio [--port N | --url URL]
  only1mcp tokens [--port N | --url URL] [--top N] [--json]
  only1mcp --version | --help

With no config file, 'start' runs on a built-in default and says where the file would live.
`;

type Command = (argv: readonly string[]) => Promise<number>;

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
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${GATEWAY_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // -1: a long-running command (start --foreground, stdio) that exits on its own.
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`only1mcp: ${err.message}\n\n${USAGE}`);
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
