/**
 * Loads uWebSockets.js and says whether the native build loaded.
 *
 * The package silently falls back to a slow pure-JS implementation when its
 * native binary does not match the Node ABI; the gateway must know, because
 * every throughput figure depends on it. The native module's `App` is a
 * native function; the fallback's is plain JavaScript.
 */
import { createRequire } from 'node:module';
import type * as UwsTypes from 'uWebSockets.js';

const require = createRequire(import.meta.url);

export type Uws = typeof UwsTypes;
export type HttpResponse = UwsTypes.HttpResponse;
export type HttpRequest = UwsTypes.HttpRequest;
export type TemplatedApp = UwsTypes.TemplatedApp;

let loaded: { uws: Uws; native: boolean } | undefined;

export function loadUws(): { uws: Uws; native: boolean } {
  if (loaded) return loaded;
  // The package prints its own fallback warning to the console; keep stdout clean for the stdio bridge.
  const warn = console.warn;
  const logFn = console.log;
  console.warn = () => undefined;
  console.log = () => undefined;
  try {
    const uws = require('uWebSockets.js') as Uws;
    const native = /\[native code\]/.test(Function.prototype.toString.call(uws.App));
    loaded = { uws, native };
    return loaded;
  } finally {
    console.warn = warn;
    console.log = logFn;
  }
}
