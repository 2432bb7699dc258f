// Installs the conformance runner package (test/conformance/runner) when it is
// missing or its lock file changed. Kept out of the root package on purpose:
// see runner/package.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = path.join(import.meta.dirname, 'runner');
const lock = path.join(dir, 'package-lock.json');
const stamp = path.join(dir, 'node_modules', '.installed-lock');
const want = fs.readFileSync(lock, 'utf8');
if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) process.exit(0);
execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', dir], { stdio: 'inherit' });
fs.writeFileSync(stamp, want);
