/**
 * How a message names this program so that the command it prints works as
 * printed, from any folder: `only1mcp` when that name on PATH is this very
 * program (installed with `npm i -g`, or `npm link` from a clone); otherwise
 * node and the absolute path of this file (run from a clone without linking,
 * where `only1mcp` is not on PATH and `npx only1mcp` works only inside it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onPath } from '../primary/parent-death.js';

export const PROGRAM_NAME = 'only1mcp';

/** dist/src/cli/main.js, next to this file once built. */
export const MAIN_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

let cached: string | undefined;

export function selfCommand(): string {
  cached ??= resolveSelf(process.env.PATH ?? '');
  return cached;
}

export function resolveSelf(searchPath: string, main = MAIN_SCRIPT, node = process.execPath): string {
  const self = realpath(main);
  const named = onPath(PROGRAM_NAME, searchPath);
  if (self !== undefined && named !== undefined && realpath(named) === self) return PROGRAM_NAME;
  const nodeOnPath = onPath('node', searchPath);
  const nodeName = nodeOnPath !== undefined && realpath(nodeOnPath) === realpath(node) ? 'node' : shellQuote(node);
  return `${nodeName} ${shellQuote(main)}`;
}

/** A word for a POSIX shell: as is when it is plain, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function realpath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}
