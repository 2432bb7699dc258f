// Installs bench/'s own dependencies (autocannon, the peers) when they are
// missing or its lock file changed, like test/conformance/ensure-runner.mjs
// does for the conformance runner. Kept out of the root package on purpose:
// comparison tools and peers must never enter the gateway's runtime
// dependencies. Install scripts stay off (npm 11 default; see allowScripts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const lock = path.join(dir, 'package-lock.json');
const stamp = path.join(dir, 'node_modules', '.installed-lock');
const want = fs.readFileSync(lock, 'utf8');
if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) process.exit(0);
process.stdout.write('bench: installing bench/ dependencies (npm ci --prefix bench)\n');
execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', dir], { stdio: 'inherit' });
fs.writeFileSync(stamp, want);
