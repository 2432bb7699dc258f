/**
 * Which configuration a command runs with: `--config F`, else
 * $ONLY1MCP_CONFIG, else the default path if it exists, else the built-in
 * default (no servers) with a note saying where a config file would live.
 * CLI flags (--port, --host, --workers) override the file.
 */
import fs from 'node:fs';
import { loadConfigFile, builtinDefaultConfig } from '../config/load.js';
import { defaultConfigPath } from '../config/defaults.js';
import { deepFreeze } from '../config/deep-freeze.js';
import type { GatewayConfig } from '../config/model.js';
import { selfCommand, shellQuote } from './self-command.js';

export interface Overrides {
  host?: string | undefined;
  port?: number | undefined;
  workers?: number | undefined;
  logLevel?: GatewayConfig['logLevel'] | undefined;
  /** --redis, else $REDIS_URL: overrides the file's `redis`. */
  redisUrl?: string | undefined;
}

export interface ConfigChoice {
  /** The file, when one is used. */
  file: string | undefined;
  /** A note for the user when no file was found. */
  note: string | undefined;
  /** `onWarning` hears what the file holds that the gateway ignores (a client file's own settings). */
  /** `reloading`: the gateway runs already, so a file that declares nothing is refused (see LoadOptions.refuseEmpty). */
  load(onWarning?: (message: string) => void, reloading?: boolean): Promise<GatewayConfig>;
}

export function chooseConfig(explicit: string | undefined, overrides: Overrides): ConfigChoice {
  const fromEnv = process.env.ONLY1MCP_CONFIG === '' ? undefined : process.env.ONLY1MCP_CONFIG;
  const file = explicit ?? fromEnv ?? (fs.existsSync(defaultConfigPath()) ? defaultConfigPath() : undefined);
  if (file === undefined) {
    return {
      file: undefined,
      note: `No configuration file found at ${defaultConfigPath()}; running on the built-in default (no backend servers). ` +
        `Create one with: ${selfCommand()} config generate --template solo --out ${shellQuote(defaultConfigPath())}`,
      load: async () => applyOverrides(builtinDefaultConfig(), overrides),
    };
  }
  return { file, note: undefined, load: async (onWarning, reloading) => applyOverrides(await loadConfigFile(file, { ...(onWarning ? { onWarning } : {}), refuseEmpty: reloading === true }), overrides) };
}

export function applyOverrides(config: GatewayConfig, o: Overrides): GatewayConfig {
  return deepFreeze({
    ...config,
    listen: { ...config.listen, host: o.host ?? config.listen.host, port: o.port ?? config.listen.port },
    workers: o.workers ?? config.workers,
    logLevel: o.logLevel ?? config.logLevel,
    redisUrl: o.redisUrl ?? (process.env.REDIS_URL || undefined) ?? config.redisUrl,
  });
}
