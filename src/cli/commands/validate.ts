/**
 * `only1mcp validate [F | --config F] [--probe]`: loads a config as `start`
 * would and reports every problem with file:line:col; warns about what a
 * client file holds that the gateway ignores; with --probe, starts each
 * enabled server briefly and reports its handshake.
 */
import { parseArgs, stringFlag, UsageError } from '../args.js';
import { loadConfigFile } from '../../config/load.js';
import { defaultConfigPath } from '../../config/defaults.js';
import { chooseConfig } from '../config-source.js';
import { selfCommand, shellQuote } from '../self-command.js';
import { probeServers, type ProbeReport } from '../probe-servers.js';
import { failureDetails } from '../server-report.js';
import { silentLogger } from '../../observe/log.js';

export async function validate(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { config: true, probe: false });
  if (parsed.positionals.length > 1) throw new UsageError('validate takes at most one file');
  const flag = stringFlag(parsed, 'config');
  if (flag !== undefined && parsed.positionals.length > 0) throw new UsageError('pass the file once: as an argument or with --config');
  const file = parsed.positionals[0] ?? flag ?? chooseConfig(undefined, {}).file;
  if (file === undefined) {
    process.stderr.write(
      `no configuration file to validate: pass one (--config F), or create the default with: ${selfCommand()} config generate --template solo --out ${shellQuote(defaultConfigPath())}\n`,
    );
    return 1;
  }
  const config = await loadConfigFile(file, { onWarning: (w) => process.stderr.write(`warning: ${w}\n`) });
  const stdio = config.servers.filter((s) => s.type === 'stdio').length;
  process.stdout.write(`${file}: OK (${config.servers.length} servers: ${stdio} stdio, ${config.servers.length - stdio} http)\n`);
  if (!parsed.flags.probe) return 0;

  const enabled = config.servers.filter((s) => s.common.enabled);
  const skipped = config.servers.length - enabled.length;
  process.stdout.write(`probing ${enabled.length} ${enabled.length === 1 ? 'server' : 'servers'}${skipped > 0 ? ` (${skipped} disabled, skipped)` : ''}:\n`);
  const reports = await probeServers(enabled, silentLogger());
  for (const r of reports) process.stdout.write(describe(r));
  const failed = reports.filter((r) => !r.ok).length;
  if (failed > 0) process.stdout.write(`${failed} of ${reports.length} failed\n`);
  return failed > 0 ? 1 : 0;
}

function describe(r: ProbeReport): string {
  if (r.ok && r.identity) {
    const info = r.identity.serverInfo;
    const server = typeof info.name === 'string' ? ` ${info.name}${typeof info.version === 'string' ? ` ${info.version}` : ''},` : '';
    return `  ${r.name}: ok (${r.transport}, ${r.identity.era} ${r.identity.protocolVersion},${server} ${r.tools ?? 0} tools)\n`;
  }
  return `  ${r.name}: FAILED (${r.transport})\n${failureDetails({ name: r.name, type: r.transport, state: 'failed', lastError: r.error, stderr: r.stderr }, '    ')}`;
}
