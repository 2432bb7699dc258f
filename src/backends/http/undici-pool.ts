/**
 * undici is loaded when the first HTTP backend is: importing it is about a
 * third of a worker's start-up (~200 ms here) and ~20 MB of RSS, which a
 * gateway of stdio backends never needs, and a respawned worker should be
 * serving again as soon as it can.
 */
import { createRequire } from 'node:module';
import type { Pool } from 'undici';

const require = createRequire(import.meta.url);

export function newPool(origin: string, options: Pool.Options): Pool {
  const undici = require('undici') as typeof import('undici');
  return new undici.Pool(origin, options);
}
