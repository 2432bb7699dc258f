/**
 * TOML source: smol-toml for the values (and its syntax errors, which carry
 * a line and column), toml-key-scanner for where each key is written.
 */
import { TomlError, parse } from 'smol-toml';
import { ConfigError, type KeyPath } from './config-error.js';
import { START_OF_FILE, type ParsedSource, type Position } from './source.js';
import { pathKey, scanTomlKeys } from './toml-key-scanner.js';

const SMOL_TOML_PREFIX = 'Invalid TOML document: ';

export function parseTomlSource(text: string, file: string): ParsedSource {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml appends a code excerpt after a blank line; the first line is the message.
    const message = (err.message.split('\n')[0] ?? '').replace(SMOL_TOML_PREFIX, '');
    throw ConfigError.at(file, err.line, err.column, [], message);
  }
  let keys: Map<string, Position> | undefined;
  return {
    data,
    locate(path: KeyPath): Position {
      // Scanned on first use: a valid file never needs positions.
      keys ??= scanTomlKeys(text);
      for (let n = path.length; n > 0; n--) {
        const found = keys.get(pathKey(path.slice(0, n)));
        if (found) return found;
      }
      return START_OF_FILE;
    },
  };
}
