// What the figures were measured on, recorded in every result file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH, ROOT } from './paths.mjs';

function version(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 1e9),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    arch: process.arch,
    versions: {
      only1mcp: version(ROOT),
      uWebSockets: version(path.join(ROOT, 'node_modules', 'uWebSockets.js')),
      autocannon: version(path.join(BENCH, 'node_modules', 'autocannon')),
      'mcp-proxy': version(path.join(BENCH, 'node_modules', 'mcp-proxy')),
      supergateway: version(path.join(BENCH, 'node_modules', 'supergateway')),
      'mcp-hub': version(path.join(BENCH, 'node_modules', 'mcp-hub')),
      piscina: version(path.join(ROOT, 'node_modules', 'piscina')),
    },
  };
}

/** The command as the user typed it, when run through npm, and the exact node argv. */
export function commandLine(argv = process.argv) {
  const args = argv.slice(2);
  const typed = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}` : undefined;
  const script = argv[1] ? path.relative(ROOT, argv[1]) : '-e';
  return { command: typed ?? `node ${script} ${args.join(' ')}`.trim(), argv: [process.execPath, ...argv.slice(1)] };
}
