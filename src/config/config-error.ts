/**
 * A config file that cannot be used. One ConfigError carries every problem
 * found in the file (a user fixing errors one run at a time is the cost we
 * avoid), each pointing at a line and column and naming the key path, so it
 * renders like a compiler diagnostic an editor can jump to:
 *
 *   path/to/config.yaml:12:5: servers.github.command: expected a string, got a number
 *
 * Local only: this never crosses the wire, so it is not a GatewayError.
 */

export type KeyPath = readonly (string | number)[];

export interface ConfigIssue {
  readonly file: string;
  /** 1-based; 0 when the problem has no position (the file cannot be read). */
  readonly line: number;
  /** 1-based; 0 when the problem has no position. */
  readonly column: number;
  readonly keyPath: KeyPath;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    if (issues.length === 0) throw new TypeError('ConfigError needs at least one issue');
    // Parsers can report one problem twice (jsonc-parser for each unclosed level); once is enough.
    const unique = [...new Map(issues.map((i) => [formatIssue(i), i])).values()];
    const sorted = unique.sort((a, b) => a.line - b.line || a.column - b.column);
    super(sorted.map(formatIssue).join('\n'));
    this.issues = Object.freeze(sorted.map((i) => Object.freeze({ ...i, keyPath: Object.freeze([...i.keyPath]) })));
  }

  /** A single issue, for problems that are not about one key (unreadable file, syntax). */
  static at(file: string, line: number, column: number, keyPath: KeyPath, message: string): ConfigError {
    return new ConfigError([{ file, line, column, keyPath, message }]);
  }

  /** The first issue's fields, for callers that only show one. */
  get file(): string {
    return this.first.file;
  }
  get line(): number {
    return this.first.line;
  }
  get column(): number {
    return this.first.column;
  }
  get keyPath(): KeyPath {
    return this.first.keyPath;
  }

  /** Every issue on its own line, in file order. */
  format(): string {
    return this.issues.map(formatIssue).join('\n');
  }

  override toString(): string {
    return this.format();
  }

  private get first(): ConfigIssue {
    return this.issues[0] as ConfigIssue;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  const key = formatKeyPath(issue.keyPath);
  return key ? `${where}: ${key}: ${issue.message}` : `${where}: ${issue.message}`;
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** `servers.github.args[2]`; keys that would read ambiguously are quoted: `servers["my.server"]`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
