/**
 * Config loading, in the order a file goes through it:
 *
 *   text ─parse (by extension)→ data + key locator
 *        ─a client's file (by name)? its own top-level keys left out, with warnings
 *        ─interpolate ${VAR}→ data
 *        ─validate (strict schema)→ ConfigFile
 *        ─normalise (defaults, client aliases)→ GatewayConfig, deeply frozen
 *
 * Every problem found on the way is reported in one ConfigError, each at
 * the line and column of the key it is about.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, formatIssue } from './config-error.js';
import { clientOfFile, clientView } from './client-file.js';
import { ConfigFileSchema } from './schema.js';
import { deepFreeze } from './deep-freeze.js';
import { interpolateTree, type Env } from './interpolate.js';
import type { GatewayConfig } from './model.js';
import { normalise } from './normalise.js';
import { parseSource, type ParsedSource } from './source.js';
import { validateConfigData } from './validate.js';
import type { PathIssue } from './zod-issues.js';

export { ConfigError } from './config-error.js';

export interface LoadOptions {
  /** Where `${VAR}` references are read from. Default process.env. */
  readonly env?: Env;
  /**
   * Told about what was accepted but ignored (a client file's own settings),
   * each as "file:line:col: key: message". Default: dropped.
   */
  readonly onWarning?: (message: string) => void;
  /**
   * Refuse a file that declares nothing (empty, only comments, `{}`): on a
   * reload that is an editor's truncate-then-write caught half way, not a
   * wish to stop every server (that is an explicit `servers: {}`).
   */
  readonly refuseEmpty?: boolean;
}

/** The top-level keys of the gateway's own format; anything else in a client's file is the client's. */
const GATEWAY_KEYS: ReadonlySet<string> = new Set(Object.keys(ConfigFileSchema.shape));

export async function loadConfigFile(file: string, options: LoadOptions = {}): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw ConfigError.at(file, 0, 0, [], `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseConfigText(text, file, options);
}

/** `file` picks the format by extension and is named in every message; it is not read. */
export function parseConfigText(text: string, file: string, options: LoadOptions = {}): GatewayConfig {
  const parsed = parseSource(text, file);
  if (options.refuseEmpty && declaresNothing(parsed.data)) {
    const what = text.trim() === '' ? 'the file is empty' : 'the file declares nothing (only comments, or an empty object)';
    throw ConfigError.at(file, 0, 0, [], `${what}; not applied, the previous configuration stays (to stop every server, write an explicit servers: {})`);
  }
  const client = clientOfFile(file);
  let source: ParsedSource = parsed;
  if (client !== undefined) {
    const view = clientView(parsed, client, GATEWAY_KEYS);
    source = view;
    for (const n of view.notes) options.onWarning?.(formatIssue({ file, ...(n.keyPath.length > 0 ? parsed.locate(n.keyPath) : { line: 0, column: 0 }), keyPath: n.keyPath, message: n.message }));
  }
  const refs = interpolateTree(source.data, options.env ?? process.env);
  const issues: PathIssue[] = [...refs.issues];
  const checked = validateConfigData(refs.value, refs.resolved);
  if (!checked.ok) {
    // A value whose reference failed would be reported twice (once as unset, once as the wrong type).
    const failed = new Set(refs.issues.map((i) => JSON.stringify(i.path)));
    issues.push(...checked.issues.filter((i) => !failed.has(JSON.stringify(i.path))));
    throw located(file, source, issues);
  }
  if (issues.length > 0) throw located(file, source, issues);
  const config = normalise(checked.value, file, issues);
  if (issues.length > 0) throw located(file, source, issues);
  return deepFreeze(config);
}

function declaresNothing(data: unknown): boolean {
  return data === null || data === undefined || (typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length === 0);
}

/** The configuration with no file at all: defaults, no servers. */
export function builtinDefaultConfig(): GatewayConfig {
  return deepFreeze(normalise({}, undefined, []));
}

function located(file: string, source: ParsedSource, issues: readonly PathIssue[]): ConfigError {
  return new ConfigError(issues.map((i) => ({ file, ...source.locate(i.path), keyPath: i.path, message: i.message })));
}
