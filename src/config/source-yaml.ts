/**
 * YAML source: parsed with `yaml`'s document API so every node keeps its
 * range, which is what lets a validation message point at a key's line.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, type KeyPath } from './config-error.js';
import { START_OF_FILE, type ParsedSource, type Position } from './source.js';

/** Guards against alias bombs ("billion laughs") in a config file. */
const YAML_MAX_ALIAS_COUNT = 100;

export function parseYamlSource(text: string, file: string): ParsedSource {
  const lines = new LineCounter();
  // prettyErrors off: the message stays one line and we render the position ourselves.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { file, line, column: col, keyPath: [], message: e.message };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (err) {
    // toJS throws only for excessive aliasing; the document itself parsed.
    throw ConfigError.at(file, 1, 1, [], (err as Error).message);
  }
  return {
    // A document of comments only is an empty config.
    data: data ?? {},
    locate: (path) => locateYaml(doc, path, lines),
  };
}

function locateYaml(doc: Document, path: KeyPath, lines: LineCounter): Position {
  let node: unknown = doc.contents;
  let found: Position = START_OF_FILE;
  const at = (offset: number | undefined): Position => {
    if (offset === undefined) return found;
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (typeof seg === 'number' && isSeq(node)) {
      const item = node.items[seg] as Node | undefined;
      if (item === undefined) return found;
      found = at(item.range?.[0]);
      node = item;
    } else if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return found;
      found = at((pair.key as Node).range?.[0]);
      node = pair.value;
    } else {
      return found;
    }
  }
  return found;
}
