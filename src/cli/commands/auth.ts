/**
 * `only1mcp auth hash-key`: makes an API key and prints it with the hash
 * that goes into config (auth.apiKeys[].hash); the key itself is shown once
 * and stored nowhere. With --stdin, hashes a key the operator brings instead
 * (read from stdin, never from argv, which other users can see in ps).
 */
import { generateApiKey, hashApiKey, weakKeyReason } from '../../auth/api-keys.js';
import { parseArgs, stringFlag, UsageError } from '../args.js';

export async function authCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'hash-key') throw new UsageError(`auth needs a subcommand: hash-key${sub ? ` (got ${JSON.stringify(sub)})` : ''}`);
  const parsed = parseArgs(rest, { stdin: false, principal: true });
  if (parsed.positionals.length > 0) throw new UsageError('auth hash-key takes no arguments (pass your own key on stdin with --stdin)');
  const principal = stringFlag(parsed, 'principal') ?? '<who uses it>';
  if (parsed.flags.stdin) {
    const key = (await readStdin()).replace(/\r?\n$/, '');
    const weak = weakKeyReason(key);
    if (weak !== undefined) {
      process.stderr.write(`only1mcp: ${weak}\n`);
      return 1;
    }
    process.stdout.write(`${hashApiKey(key)}\n`);
    return 0;
  }
  const key = generateApiKey();
  const hash = hashApiKey(key);
  process.stdout.write(
    `key:  ${key}\nhash: ${hash}\n\n` +
      'Give the key to its user now; it is not stored anywhere. Put only the hash in the config:\n\n' +
      `auth:\n  apiKeys:\n    - principal: ${JSON.stringify(principal)}\n      hash: "${hash}"\n      roles: []\n\n` +
      'Clients send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".\n',
  );
  return 0;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}
