/**
 * Reloads the config file when it changes on disk. The watch is on the
 * directory, not the file: editors save by writing a temporary file and
 * renaming it over the original (vim, JetBrains, VS Code with some settings),
 * and tools delete and recreate; a watch on the file itself follows the old
 * inode and goes quiet after the first such save.
 *
 * Events for other files are ignored, except where they may stand for ours:
 * no name (some platforms omit it) and names starting with ".." (a Kubernetes
 * ConfigMap volume swaps its `..data` symlink, and config.yaml points through
 * it). A needless reload is cheap: it is debounced and deduplicated.
 *
 * Events are debounced (one save is several events), the file is validated,
 * and onChange fires only when the normalised config differs from the last
 * good one, so a touch, a comment edit or a reformat restarts nothing. A bad
 * edit goes to onError and the last good config stays in force; so does a
 * file that declares nothing at all (empty, only comments): only an explicit
 * `servers: {}` stops every server.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError } from './config-error.js';
import { loadConfigFile, type LoadOptions } from './load.js';
import type { GatewayConfig } from './model.js';

/** Quiet time after the last event before reloading: one editor save is several events. */
export const CONFIG_WATCH_DEBOUNCE_MS = 200;

export interface WatchOptions extends LoadOptions {
  /** The config already in force; changes are measured against it. Default: the file as it is when watching starts. */
  readonly initial?: GatewayConfig;
  readonly debounceMs?: number;
}

export interface ConfigWatcher {
  close(): void;
}

export function watchConfig(
  file: string,
  onChange: (cfg: GatewayConfig) => void,
  onError: (err: ConfigError) => void,
  options: WatchOptions = {},
): ConfigWatcher {
  const absolute = path.resolve(file);
  const name = path.basename(absolute);
  const debounceMs = options.debounceMs ?? CONFIG_WATCH_DEBOUNCE_MS;
  let current: GatewayConfig | undefined = options.initial;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = options.initial
    ? Promise.resolve()
    : loadConfigFile(file, options).then(
        (cfg) => void (current = cfg),
        () => undefined, // The caller learned of a broken file when it loaded it; report only later edits.
      );

  const reload = async (): Promise<void> => {
    try {
      // A reload refuses a file that declares nothing (an editor's truncate caught mid-save).
      const next = await loadConfigFile(file, { ...options, refuseEmpty: true });
      if (closed || (current !== undefined && isDeepStrictEqual(current, next))) return;
      current = next;
      onChange(next);
    } catch (err) {
      if (closed) return;
      onError(err instanceof ConfigError ? err : ConfigError.at(file, 0, 0, [], (err as Error).message));
    }
  };

  const schedule = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Reloads run one after another: a slow read cannot overtake a newer one.
      running = running.then(reload);
    }, debounceMs);
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(path.dirname(absolute), { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name || changed.startsWith('..')) schedule();
    });
  } catch (err) {
    throw ConfigError.at(file, 0, 0, [], `cannot watch ${path.dirname(absolute)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  watcher.on('error', (err: NodeJS.ErrnoException) => {
    if (!closed) onError(ConfigError.at(file, 0, 0, [], `stopped watching ${path.dirname(absolute)} (${err.code ?? err.message})`));
  });

  return {
    close(): void {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
