/**
 * `only1mcp stdio`: for desktop clients that can only spawn a command. Point
 * the client's config at `only1mcp stdio` and it reaches the running gateway.
 */
import { intFlag, parseArgs, stringFlag, UsageError } from '../args.js';
import { addressOf, gatewayAddress, startHint } from '../gateway-url.js';
import { StdioBridge } from '../../bridge/stdio-bridge.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../config/defaults.js';
import { CONTEXT_MODES } from '../../config/schema-parts.js';

export async function stdioBridge(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { port: true, url: true, context: true });
  if (parsed.positionals.length > 0) throw new UsageError('stdio takes no arguments');
  const port = intFlag(parsed, 'port', 1, 65535);
  const endpoint = new URL(bridgeEndpoint(parsed, port));
  const mode = stringFlag(parsed, 'context');
  if (mode !== undefined) {
    if (!(CONTEXT_MODES as readonly string[]).includes(mode)) throw new UsageError(`--context must be one of ${CONTEXT_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
    endpoint.searchParams.set('context', mode);
  }
  const bridge = new StdioBridge(endpoint.toString(), {
    input: process.stdin,
    write: (line) => process.stdout.write(line),
    log: (message) => process.stderr.write(`only1mcp stdio: ${message}\n`),
    unreachableHint: `${startHint(port)}, or point the bridge at it with --url or --port`,
  });
  await bridge.run();
  return 0;
}

/** --url as given (query kept), else the PID file of --port, else the default address: the gateway may run under another user. */
function bridgeEndpoint(parsed: Parameters<typeof gatewayAddress>[0], port: number | undefined): string {
  return (gatewayAddress(parsed) ?? addressOf(DEFAULT_HOST, port ?? DEFAULT_PORT)).endpoint;
}
