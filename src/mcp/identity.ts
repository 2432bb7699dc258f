/** How the gateway names itself to clients and to backends. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function packageVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'only1mcp' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not at this depth (source vs compiled layout); try the next.
    }
  }
  return '0.0.0';
}

export const GATEWAY_VERSION = packageVersion();
export const GATEWAY_INFO = Object.freeze({ name: 'only1mcp', title: 'Only1MCP gateway', version: GATEWAY_VERSION });
