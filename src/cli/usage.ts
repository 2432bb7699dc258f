/**
 * What `only1mcp --help` and `only1mcp <command> --help` print. Flags mean
 * the same in every command that takes them:
 *
 *   --port N     the gateway's port (start: the one to listen on; the others:
 *                the running gateway's, found through its PID file)
 *   --url URL    a running gateway's MCP endpoint, as a client uses it
 *   --config F   a configuration file (start, validate)
 *   --json       machine-readable output (list, status, tokens)
 *   --out F, --force   where a command writes a file, and overwriting it
 */
import { DEFAULT_PORT } from '../config/defaults.js';
import { TUI_MAX_POLL_INTERVAL_MS, TUI_MIN_POLL_INTERVAL_MS, TUI_POLL_INTERVAL_MS } from '../tui/defaults.js';

const PORT = `  --port N          the running gateway's port (default ${DEFAULT_PORT}); found through its PID file`;
const URL = '  --url URL         a running gateway\'s MCP endpoint, e.g. http://127.0.0.1:7323/mcp (instead of --port)';

export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  start: `only1mcp start [--foreground] [--config F] [--port N] [--host H] [--workers N] [--redis URL|memory] [--log-level L] [--wait S] [--allow-unauthenticated]

Starts the gateway. By default it runs in the background: this command waits
until it is ready, reports servers that failed to start (with the last lines
of their stderr), and prints the URL, the log file and how to stop it.

  --foreground      run in this terminal (logs on stderr) until Ctrl-C or SIGTERM
  --config F        the configuration file (default: $ONLY1MCP_CONFIG, else the
                    file 'only1mcp config path' prints, else no servers)
  --port N          the port to listen on (default ${DEFAULT_PORT}; 0: any free port, foreground only)
  --host H          the address to listen on (default 127.0.0.1)
  --workers N       worker processes (default: one per CPU core)
  --redis URL       shared state: redis://, rediss://, unix:///path, or memory
  --log-level L     trace, debug, info, warn, error or fatal
  --allow-unauthenticated
                    listen beyond loopback without authentication (refused
                    otherwise; config: auth.allowUnauthenticated: true)
  --wait S          background start: how long to wait until ready before
                    stopping everything it started (default 60, longer when a
                    server's connectTimeoutMs is)
`,
  stop: `only1mcp stop [--port N]

Drains and stops the gateway running on a port.

${PORT}
`,
  status: `only1mcp status [--port N] [--json]

Whether a gateway runs on a port, and the state of each of its servers (the
last error and stderr lines of those that failed). Exit code 0 running, 3 not.

${PORT}
  --json            the gateway's server view as JSON
`,
  validate: `only1mcp validate [F | --config F] [--probe]

Loads a configuration as 'start' would and reports every problem with
file:line:col and the key. Client files (Claude Desktop, Claude Code, Cursor,
VS Code, Windsurf, Cline) load as they are; their own top-level keys are
reported as warnings.

  --config F        the file (default: as for start)
  --probe           also start each enabled server briefly and report its
                    handshake: protocol era and version, tool count, or why it
                    failed with the last lines of its stderr
`,
  config: `only1mcp config generate [--template solo|team|enterprise] [--out F] [--force]
only1mcp config schema
only1mcp config path
only1mcp config bridge [--port N | --url URL] [--context MODE]

  generate          a commented starting configuration (stdout, or --out F)
  schema            the JSON Schema for editors
  path              where the default configuration file lives
  bridge            the mcpServers entry a desktop client needs to reach the
                    gateway through 'only1mcp stdio', with absolute paths
`,
  import: `only1mcp import <client-config-file> [--out F] [--force]

Converts a client's MCP configuration (Claude Desktop, Claude Code, Cursor,
VS Code, Windsurf, Cline) into an only1mcp YAML configuration. The client
files also load as they are ('only1mcp start --config FILE').
`,
  list: `only1mcp list [--port N | --url URL] [--json]

The servers of a running gateway, their state, and the tools, prompts,
resources and resource templates each contributes.

${PORT}
${URL}
  --json            the admin catalog as JSON
`,
  stdio: `only1mcp stdio [--port N | --url URL] [--context MODE]

The stdio bridge, for MCP clients that can only start a command: JSON-RPC on
stdin/stdout, carried to a running gateway over Streamable HTTP.

${PORT}
${URL}
  --context MODE    full, compact or search (sets ?context= on the endpoint)
`,
  tokens: `only1mcp tokens [--port N | --url URL] [--json] [--top N]

What the tool catalog of a running gateway costs a model's context, per
context mode and per tool (o200k_base tokens).

${PORT}
${URL}
  --json            the report as JSON
  --top N           how many of the largest tools to show (default 10)
`,
  tui: `only1mcp tui [--port N | --url URL] [--interval MS] [--config F]

A live view of a running gateway in this terminal, read from its admin API:
Overview (requests/s, latency, errors, sessions, cache), Servers (restart,
disable, enable), Requests, Cache and Logs. When no gateway answers, offers
to start one as 'only1mcp start' does. Needs an interactive terminal.

${PORT}
${URL}
  --interval MS     how often it polls the gateway (default ${TUI_POLL_INTERVAL_MS}, ${TUI_MIN_POLL_INTERVAL_MS} to ${TUI_MAX_POLL_INTERVAL_MS})
  --config F        the configuration a gateway it offers to start uses

Keys: Tab/Shift-Tab or 1-5 switch tabs; arrows select and scroll; / filters
Requests and Logs; p pauses them; on Servers r restarts, d disables, e enables
the selected server (after y to confirm); r elsewhere refreshes; q quits.
`,
  auth: `only1mcp auth hash-key [--principal NAME] [--stdin]

Makes a new API key and prints it once, with the hash and the config entry
that goes under auth.apiKeys (only the hash is stored). With --stdin, prints
the hash of a key you bring (read from stdin, never from the command line).

  --principal NAME  the principal the printed config entry names
  --stdin           hash the key read from stdin instead of making one
`,
};

export function generalUsage(version: string, runAs: string): string {
  const synopses = Object.values(COMMAND_USAGE)
    .flatMap((text) => text.split('\n\n')[0]!.split('\n'))
    .map((line) => `  ${line}`)
    .join('\n');
  const how = runAs === 'only1mcp' ? '' : `\n'only1mcp' is not on PATH here; run it as: ${runAs} <command>\n(install it with 'npm link' in a clone, or 'npm install -g only1mcp-<version>.tgz'; see the README)\n`;
  return `only1mcp ${version}: one MCP endpoint in front of many MCP servers

Usage:
${synopses}
  only1mcp --version | --help
  only1mcp <command> --help
${how}
With no config file, 'start' runs on a built-in default and says where the file would live.
`;
}
