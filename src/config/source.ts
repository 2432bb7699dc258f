/**
 * A parsed config file: its data, plus a way back from a key path to where
 * that key is written. Validation works on plain data and knows only paths;
 * each format (YAML, JSON, TOML) supplies `locate` so every message can
 * point at the offending key's line.
 */
import path from 'node:path';
import type { KeyPath } from './config-error.js';
import { parseJsonSource } from './source-json.js';
import { parseTomlSource } from './source-toml.js';
import { parseYamlSource } from './source-yaml.js';

export interface Position {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export interface ParsedSource {
  readonly data: unknown;
  /**
   * Where the key (or array item) at `path` is written; when the path goes
   * deeper than what the file spells out, the nearest ancestor that is.
   */
  locate(path: KeyPath): Position;
}

export type ConfigFormat = 'yaml' | 'json' | 'toml';

const FORMAT_BY_EXTENSION: Readonly<Record<string, ConfigFormat>> = {
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.json': 'json',
  '.jsonc': 'json',
  '.toml': 'toml',
};

export function formatOf(file: string): ConfigFormat | undefined {
  return FORMAT_BY_EXTENSION[path.extname(file).toLowerCase()];
}

/** Parses `text` by the file's extension; throws ConfigError on a syntax error. */
export function parseSource(text: string, file: string): ParsedSource {
  // A byte-order mark from a Windows editor is not part of the document.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // An empty file is an empty config (all defaults), whatever its format.
  if (body.trim() === '') return { data: {}, locate: () => START_OF_FILE };
  switch (formatOf(file)) {
    case 'yaml':
      return parseYamlSource(body, file);
    case 'json':
      return parseJsonSource(body, file);
    case 'toml':
      return parseTomlSource(body, file);
    case undefined:
      return parseUnknown(body, file);
  }
}

export const START_OF_FILE: Position = Object.freeze({ line: 1, column: 1 });

/**
 * No extension to go by (e.g. `config` or a path from a pipe): JSON is the
 * stricter reading, YAML the fallback. When both fail, the syntax errors
 * reported are those of the format the text most looks like.
 */
function parseUnknown(text: string, file: string): ParsedSource {
  let jsonError: unknown;
  try {
    return parseJsonSource(text, file);
  } catch (err) {
    jsonError = err;
  }
  try {
    return parseYamlSource(text, file);
  } catch (yamlError) {
    throw /^\s*[{[]/.test(text) ? jsonError : yamlError;
  }
}
