/** A normalised stdio ServerConfig for tests that build the model directly instead of loading a file. */
import type { CommonServerConfig, NamingPolicy, ShapingConfig, StdioServerConfig } from '../../src/config/model.js';
import { normaliseRouting, normaliseShaping } from '../../src/config/normalise-routing.js';

/** What the loader fills in for an entry that sets none of the routing or shaping keys. */
export function commonDefaults(name: string, callTimeoutMs = 1_000): CommonServerConfig {
  return {
    enabled: true,
    naming: 'prefix',
    prefix: name,
    protocol: 'auto',
    callTimeoutMs,
    maxCallMs: callTimeoutMs,
    connectTimeoutMs: 1_000,
    isolation: 'shared',
    maxProcesses: 4,
    idleTimeoutMs: 60_000,
    routing: normaliseRouting({}),
    shaping: normaliseShaping({}),
  };
}

export function stdioServer(
  name: string,
  options: { naming?: NamingPolicy; prefix?: string; command?: string; args?: string[]; shaping?: Partial<ShapingConfig> } = {},
): StdioServerConfig {
  const common = commonDefaults(name);
  return {
    name,
    type: 'stdio',
    command: options.command ?? 'node',
    args: options.args ?? [],
    env: {},
    cwd: undefined,
    replicas: [{ id: '1', weight: 1 }],
    common: { ...common, naming: options.naming ?? 'prefix', prefix: options.prefix ?? name, shaping: { ...common.shaping, ...options.shaping } },
  };
}
