/**
 * `only1mcp stdio`: for desktop clients that can only spawn a command. Point
 * the client's config at `only1mcp stdio` and it reaches the running gateway.
 */
import { parseArgs, UsageError } from '../args.js';
import { gatewayBase } from '../gateway-url.js';
import { StdioBridge } from '../../bridge/stdio-bridge.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../config/defaults.js';

export async function stdioBridge(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { port: true, url: true });
  if (parsed.positionals.length > 0) throw new UsageError('stdio takes no arguments');
  // Without a PID file (the gateway may run elsewhere or under another user), assume the default address.
  const base = gatewayBase(parsed) ?? `http://${DEFAULT_HOST}:${parsed.flags.port ?? DEFAULT_PORT}`;
  const bridge = new StdioBridge(`${base}/mcp`, {
    input: process.stdin,
    write: (line) => process.stdout.write(line),
    log: (message) => process.stderr.write(`only1mcp stdio: ${message}\n`),
  });
  await bridge.run();
  return 0;
}
