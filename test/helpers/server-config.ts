/** A normalised stdio ServerConfig for tests that build the model directly instead of loading a file. */
import type { NamingPolicy, StdioServerConfig } from '../../src/config/model.js';

export function stdioServer(name: string, options: { naming?: NamingPolicy; prefix?: string; command?: string; args?: string[] } = {}): StdioServerConfig {
  return {
    name,
    type: 'stdio',
    command: options.command ?? 'node',
    args: options.args ?? [],
    env: {},
    cwd: undefined,
    common: {
      enabled: true,
      naming: options.naming ?? 'prefix',
      prefix: options.prefix ?? name,
      protocol: 'auto',
      callTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      isolation: 'shared',
      maxProcesses: 4,
      idleTimeoutMs: 60_000,
    },
  };
}
