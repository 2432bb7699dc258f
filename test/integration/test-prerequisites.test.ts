/**
 * `npm test`'s pretest (test/ensure-system-packages.mjs) on a machine that
 * lacks the programs the tests start (issue 9, finding 3): as a user who
 * cannot install them it stops with the exact command to run. (As root it
 * runs apt-get; that path is the fresh-clone run, not something a test may
 * do to the machine.) The script runs as a real process, as `nobody` when
 * this test runs as root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';
import { tempDir } from '../helpers/gateway.js';

const SCRIPT = path.join(ROOT, 'test', 'ensure-system-packages.mjs');
const isRoot = process.getuid?.() === 0;
/** util-linux, on every Debian; named by path because the PATH under test lacks /usr/bin. */
const SETPRIV = '/usr/bin/setpriv';

function runScript(env: NodeJS.ProcessEnv) {
  // Root drops to nobody so that the script meets a user who may not install packages.
  const [command, args] = isRoot
    ? [SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, SCRIPT]]
    : [process.execPath, [SCRIPT]];
  return spawnSync(command, args as string[], { env, encoding: 'utf8', cwd: '/' });
}

describe('the pretest check for system packages', () => {
  it('passes when redis-server, redis-cli, openssl, nginx, docker-compose and tmux are on PATH', () => {
    const r = runScript(process.env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('stops with the exact install command when they are missing and it may not install them', () => {
    // A PATH with only node on it (nginx may still be found in /usr/sbin, where Debian puts it).
    const bin = tempDir();
    fs.chmodSync(bin, 0o755);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = runScript({ PATH: bin });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^The tests need redis-server, redis-tools, openssl, (nginx, )?docker-compose, tmux on PATH, and only root can install them\.\n/);
    expect(r.stderr).toMatch(/Install them with:\n {2}sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends redis-server redis-tools openssl (nginx )?docker-compose tmux'\nthen run npm test again\.\n$/);
  });
});
