import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { Codes, type Diagnostic } from './diagnostics.ts';

/** A position in the source, 1-based. */
export interface Position {
  line: number;
  column: number;
}

/**
 * The parsed workflow file: plain data for the checker, and a way back from a
 * data path (`['steps', 'deploy', 'needs', 0]`) to where it was written.
 */
export interface ParsedSource {
  data: unknown;
  /** Where the value at `path` starts; `'key'` points at the key instead (for unknown-key errors). */
  locate(path: ReadonlyArray<string | number>, at?: 'key' | 'value'): Position;
  /** The offset in the source where the scalar at `path` starts its text (after a quote), if it is a scalar written inline. */
  scalarStart(path: ReadonlyArray<string | number>): { position: Position; quoted: boolean; block: boolean } | undefined;
  /** Turns an absolute offset into a position. */
  position(offset: number): Position;
}

/** Parses YAML (or JSON, which is YAML) keeping ranges. Never throws for a user's mistake. */
export function parseSource(text: string): { source: ParsedSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  // yaml's own duplicate-key check scans each map per key (quadratic in a 10,000-step
  // workflow); the check below does the same job with a set per map.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, keepSourceTokens: false });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line, column: col };
  };

  const diagnostics: Diagnostic[] = doc.errors.map((error) => ({
    code: Codes.YamlSyntax,
    severity: 'error' as const,
    message: error.message.split('\n')[0],
    ...position(error.pos[0]),
  }));

  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          diagnostics.push({ code: Codes.YamlSyntax, severity: 'error', message: `duplicate key '${key}': a mapping's keys must be unique`, ...position(pair.key.range?.[0] ?? 0) });
        }
        seen.add(key);
      }
    },
  });

  const nodeAt = (path: ReadonlyArray<string | number>): { node: Node | null; keyNode: Node | null; depth: number } => {
    let node = doc.contents as Node | null;
    let keyNode: Node | null = null;
    let depth = 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = (pair.value as Node | null) ?? keyNode;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
        keyNode = null;
        node = node.items[segment] as Node;
      } else {
        break;
      }
      depth++;
    }
    return { node, keyNode, depth };
  };

  const locate = (path: ReadonlyArray<string | number>, at: 'key' | 'value' = 'value'): Position => {
    const { node, keyNode, depth } = nodeAt(path);
    const target = at === 'key' && keyNode && depth === path.length ? keyNode : node;
    return position(target?.range?.[0] ?? 0);
  };

  const scalarStart = (path: ReadonlyArray<string | number>) => {
    const { node, depth } = nodeAt(path);
    if (depth !== path.length || !isScalar(node) || !node.range) return undefined;
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    return { position: position(node.range[0] + (quoted ? 1 : 0)), quoted, block };
  };

  let data: unknown = null;
  if (diagnostics.length === 0) {
    data = doc.toJS({ maxAliasCount: 100 });
  }
  return { source: { data, locate, scalarStart, position }, diagnostics };
}
