/**
 * Where each key of a TOML document is written. smol-toml returns values
 * without positions, so after it has accepted the text we scan it once more,
 * tracking the current `[table]` / `[[array]]` header, dotted keys, inline
 * tables and (multi-line) arrays, and record the position of every key path
 * and array item we meet.
 *
 * This is a scanner for text smol-toml already found valid, not a parser: it
 * never rejects anything, and where it loses track the locator falls back to
 * the nearest recorded ancestor (at worst the table header), which is still
 * the right neighbourhood.
 */
import type { KeyPath } from './config-error.js';
import { LineIndex } from './line-index.js';
import type { Position } from './source.js';

type Path = (string | number)[];
interface KeyPart {
  readonly name: string;
  readonly offset: number;
}

const BARE_KEY_CHAR = /[A-Za-z0-9_-]/;
const SCALAR_END = new Set([',', ']', '}', '\n', '\r', '#']);

export function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}

export function scanTomlKeys(text: string): Map<string, Position> {
  return new Scanner(text).run();
}

class Scanner {
  private i = 0;
  private readonly found = new Map<string, Position>();
  private readonly arrayCounts = new Map<string, number>();
  private readonly lines: LineIndex;

  constructor(private readonly text: string) {
    this.lines = new LineIndex(text);
  }

  run(): Map<string, Position> {
    let table: Path = [];
    while (this.skipBlank()) {
      const start = this.i;
      if (this.text[this.i] === '[') {
        const isArray = this.text[this.i + 1] === '[';
        this.i += isArray ? 2 : 1;
        const keys = this.readDottedKey();
        table = this.recordKeys([], keys);
        if (isArray && keys.length > 0) {
          const count = (this.arrayCounts.get(pathKey(table)) ?? -1) + 1;
          this.arrayCounts.set(pathKey(table), count);
          table = [...table, count];
          this.record(table, (keys.at(-1) as KeyPart).offset);
        }
      } else {
        const keys = this.readDottedKey();
        if (keys.length > 0 && this.skipInline() === '=') {
          this.i++;
          this.readValue(this.recordKeys(table, keys));
        }
      }
      this.skipToLineEnd();
      if (this.i === start) this.i++;
    }
    return this.found;
  }

  /** Records each prefix a dotted key defines below `base`; returns the full path. */
  private recordKeys(base: Path, keys: readonly KeyPart[]): Path {
    const path = [...base];
    for (const k of keys) {
      path.push(k.name);
      this.record(path, k.offset);
    }
    return path;
  }

  private record(path: Path, offset: number): void {
    // The first mention wins: `[servers.a]` then `[servers.b]` both define
    // `servers`, and the first is where a reader would look.
    const key = pathKey(path);
    if (!this.found.has(key)) this.found.set(key, this.lines.position(offset));
  }

  private readValue(path: Path): void {
    const c = this.skipInline();
    if (c === '{') {
      this.i++;
      this.readCollection('}', () => {
        const keys = this.readDottedKey();
        if (keys.length === 0 || this.skipInline() !== '=') return false;
        this.i++;
        this.readValue(this.recordKeys(path, keys));
        return true;
      });
    } else if (c === '[') {
      this.i++;
      let index = 0;
      this.readCollection(']', () => {
        this.record([...path, index], this.i);
        this.readValue([...path, index++]);
        return true;
      });
    } else if (c === '"' || c === "'") {
      this.readString();
    } else {
      while (this.i < this.text.length && !SCALAR_END.has(this.text[this.i] as string)) this.i++;
    }
  }

  /** Items separated by commas up to `close`; newlines and comments allowed between them. */
  private readCollection(close: string, item: () => boolean): void {
    for (;;) {
      this.skipBlank();
      if (this.i >= this.text.length) return;
      if (this.text[this.i] === close) {
        this.i++;
        return;
      }
      const before = this.i;
      if (!item()) return;
      this.skipBlank();
      if (this.text[this.i] === ',') this.i++;
      else if (this.i === before) return;
    }
  }

  private readDottedKey(): KeyPart[] {
    const keys: KeyPart[] = [];
    for (;;) {
      const c = this.skipInline();
      const offset = this.i;
      let name: string;
      if (c === '"' || c === "'") {
        name = this.readString();
      } else if (c !== undefined && BARE_KEY_CHAR.test(c)) {
        while (this.i < this.text.length && BARE_KEY_CHAR.test(this.text[this.i] as string)) this.i++;
        name = this.text.slice(offset, this.i);
      } else {
        return keys;
      }
      keys.push({ name, offset });
      if (this.skipInline() !== '.') return keys;
      this.i++;
    }
  }

  /** Consumes any of the four string forms; returns the decoded content of single-line ones. */
  private readString(): string {
    const quote = this.text[this.i] as string;
    const triple = this.text.startsWith(quote.repeat(3), this.i);
    const delim = triple ? quote.repeat(3) : quote;
    const start = this.i + delim.length;
    let j = start;
    while (j < this.text.length && !this.text.startsWith(delim, j)) {
      if (quote === '"' && this.text[j] === '\\') j++;
      else if (!triple && this.text[j] === '\n') break;
      j++;
    }
    // A multi-line string may end in up to two extra quotes (`""""` is legal).
    let end = j + delim.length;
    while (triple && this.text[end] === quote) end++;
    this.i = Math.min(end, this.text.length);
    const raw = this.text.slice(start, j);
    if (quote === "'") return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw;
    }
  }

  /** Skips spaces and tabs; returns the next character. */
  private skipInline(): string | undefined {
    while (this.text[this.i] === ' ' || this.text[this.i] === '\t') this.i++;
    return this.text[this.i];
  }

  /** Skips whitespace, newlines and comments; false at the end of the text. */
  private skipBlank(): boolean {
    for (;;) {
      const c = this.skipInline();
      if (c === '\n' || c === '\r') this.i++;
      else if (c === '#') this.skipToLineEnd();
      else return c !== undefined;
    }
  }

  private skipToLineEnd(): void {
    while (this.i < this.text.length && this.text[this.i] !== '\n') this.i++;
  }
}
