/**
 * JSON source, read as JSONC: client files such as VS Code's mcp.json carry
 * comments and trailing commas, and accepting them in every .json costs
 * nothing. jsonc-parser's tree keeps offsets for the key locator.
 */
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { ConfigError, type ConfigIssue, type KeyPath } from './config-error.js';
import { LineIndex } from './line-index.js';
import { START_OF_FILE, type ParsedSource, type Position } from './source.js';

export function parseJsonSource(text: string, file: string): ParsedSource {
  const lines = new LineIndex(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const issues: ConfigIssue[] = errors.map((e) => ({ file, ...lines.position(e.offset), keyPath: [], message: describeParseError(e) }));
  // jsonc-parser keeps the last of two equal keys without a word; YAML and
  // TOML reject them, and so do we, since the first one is silently lost.
  if (root) findDuplicateKeys(root, [], (keyPath, offset) => issues.push({ file, ...lines.position(offset), keyPath, message: 'duplicate key' }));
  if (issues.length > 0 || root === undefined) {
    throw new ConfigError(issues.length > 0 ? issues : [{ file, ...START_OF_FILE, keyPath: [], message: 'value expected' }]);
  }
  return {
    data: getNodeValue(root),
    locate: (path) => locateJson(root, path, lines),
  };
}

/** `CloseBraceExpected` → `close brace expected`. */
function describeParseError(e: ParseError): string {
  return printParseErrorCode(e.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

function findDuplicateKeys(node: Node, path: (string | number)[], report: (path: KeyPath, offset: number) => void): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const [keyNode, valueNode] = prop.children ?? [];
      if (!keyNode) continue;
      const key = String(keyNode.value);
      if (seen.has(key)) report([...path, key], keyNode.offset);
      seen.add(key);
      if (valueNode) findDuplicateKeys(valueNode, [...path, key], report);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => findDuplicateKeys(child, [...path, i], report));
  }
}

function locateJson(root: Node, path: KeyPath, lines: LineIndex): Position {
  // Walk up from the full path until the file spells it out.
  for (let n = path.length; n > 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n) as (string | number)[]);
    if (!node) continue;
    // A property's value node: point at its key, where the reader looks.
    const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return lines.position((keyNode ?? node).offset);
  }
  return START_OF_FILE;
}
