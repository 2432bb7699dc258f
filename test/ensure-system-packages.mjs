// npm's `pretest`: the programs the tests start besides Node, checked before
// anything is built. On a fresh Debian/Ubuntu machine run as root (a CI
// container) the missing ones are installed with apt-get; anywhere else the
// script stops with the exact command to run, so `npm ci && npm test` is the
// only command a newcomer or CI needs.
//
//   redis-server     shared-state tests start their own on a free port
//   redis-cli        joins the test Redis Cluster (redis-cli --cluster create)
//   openssl          certificates for the Redis TLS tests
//   nginx            the cluster test puts one in front of two gateways
//   docker-compose   parses docker-compose.yml (no Docker engine is needed)
//   tmux             a real terminal for `only1mcp tui`: keys sent, screen read back
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Program on PATH → the Debian package that provides it. */
const NEEDED = { 'redis-server': 'redis-server', 'redis-cli': 'redis-tools', openssl: 'openssl', nginx: 'nginx', 'docker-compose': 'docker-compose', tmux: 'tmux' };

/** The program's path: on PATH, else in one of `extra`; undefined when neither has it. */
function find(program, extra) {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), ...extra]) {
    if (dir === '') continue;
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return path.join(dir, program);
    } catch {
      // not here
    }
  }
  return undefined;
}

// nginx lives in /usr/sbin, which a non-root PATH may lack; the tests look there too.
const onPath = (program) => find(program, ['/usr/sbin', '/sbin']) !== undefined;
const aptGet = find('apt-get', ['/usr/bin']);

const missing = Object.entries(NEEDED).filter(([program]) => !onPath(program)).map(([, pkg]) => pkg);
if (missing.length === 0) process.exit(0);

// No recommends: docker-compose's is docker.io, an engine the tests never use.
const install = ['install', '-y', '--no-install-recommends', ...missing];
const printable = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

if (!isRoot || aptGet === undefined) {
  process.stderr.write(
    `The tests need ${missing.join(', ')} on PATH, and ${isRoot ? 'this machine has no apt-get' : 'only root can install them'}.\n` +
      (aptGet !== undefined ? `Install them with:\n  sudo sh -c '${printable}'\nthen run npm test again.\n` : `Install the packages ${missing.join(', ')} with this system's package manager, then run npm test again.\n`),
  );
  process.exit(1);
}

process.stdout.write(`installing ${missing.join(', ')} for the tests: ${printable}\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync(aptGet, ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync(aptGet, ['-qq', ...install], { stdio: 'inherit', env });
} catch {
  process.stderr.write(`apt-get could not install ${missing.join(', ')}; run this and look at its output:\n  ${printable}\n`);
  process.exit(1);
}
const still = Object.keys(NEEDED).filter((program) => !onPath(program));
if (still.length > 0) {
  process.stderr.write(`after apt-get, still not on PATH: ${still.join(', ')}\n`);
  process.exit(1);
}
