import { Composer, isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, Parser, visit, type CST, type Document, type Node } from 'yaml';
import { Codes, MAX_DIAGNOSTICS, type Diagnostic } from './diagnostics.ts';

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

/**
 * The deepest nesting of maps and lists a workflow may have. Real workflows stay
 * under 20; past this the recursive parts of the yaml library (and of the checks
 * after it) would exhaust the stack, so the depth is checked on the parser's
 * tokens, which the library builds without recursion, before anything recurses.
 */
export const MAX_DEPTH = 100;

/**
 * How much data aliases may expand the file to, as a multiple of its size (plus
 * a floor, so small files can use anchors freely). The yaml library's
 * `maxAliasCount` stops nested "billion laughs" aliases; this also stops flat
 * amplification (one big anchor referenced many thousand times) and aliases that
 * refer to their own ancestor, which expand forever.
 */
export const MAX_ALIAS_EXPANSION = 10;
const ALIAS_EXPANSION_FLOOR = 100_000;

/**
 * Characters YAML does not allow in a stream (YAML 1.2, c-printable): C0 and C1
 * controls other than tab, line feed, carriage return and NEL; U+FFFE, U+FFFF; lone
 * surrogates. The yaml library lets some of them through (a NUL inside a plain
 * scalar), and a NUL in a file path or a state name only fails much later.
 */
const NOT_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|\p{Cs}/gu;

const BOM = '\uFEFF';

/**
 * Parses YAML (or JSON, which is YAML) keeping ranges. Never throws for a user's
 * mistake. Bytes are decoded as UTF-8 here, so that a file that is not UTF-8 gets
 * a located diagnostic instead of replacement characters; a leading byte order mark
 * is dropped (YAML and JSON both allow it) and positions count from after it.
 */
export function parseSource(input: string | Uint8Array): { source: ParsedSource; diagnostics: Diagnostic[] } {
  const decoded = typeof input === 'string' ? { text: input, invalidAt: -1 } : decodeUtf8(input);
  const text = decoded.text.startsWith(BOM) ? decoded.text.slice(BOM.length) : decoded.text;
  const lineCounter = new LineCounter();
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line, column: col };
  };
  const diagnostics: Diagnostic[] = [];
  const error = (code: string, message: string, offset: number) => diagnostics.push({ code, severity: 'error', message, ...position(offset) });
  const unparsed = (): { source: ParsedSource; diagnostics: Diagnostic[] } => ({
    source: { data: null, locate: () => ({ line: 1, column: 1 }), scalarStart: () => undefined, position },
    diagnostics,
  });

  // Line starts from the text itself: the parser's own newline callback skips the
  // newlines inside some tokens (a misplaced directive), which shifted positions.
  lineCounter.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);

  if (decoded.invalidAt >= 0) {
    error(Codes.Encoding, 'the file is not UTF-8 text: this byte does not start or continue a UTF-8 character (save the file as UTF-8)', decoded.invalidAt);
    return unparsed();
  }
  NOT_PRINTABLE.lastIndex = 0;
  if (NOT_PRINTABLE.test(text)) {
    NOT_PRINTABLE.lastIndex = 0;
    for (const match of text.matchAll(NOT_PRINTABLE)) {
      const code = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      error(Codes.Encoding, `control character U+${code} is not allowed in a workflow file; write it as an escape ("\\u${code}") in a double-quoted string`, match.index);
      if (diagnostics.length > MAX_DIAGNOSTICS) break;
    }
    return unparsed();
  }

  const tokens = [...new Parser().parse(text)];
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    error(Codes.TooDeep, `maps and lists are nested more than ${MAX_DEPTH} levels deep here; a workflow needs far fewer`, deep);
    return unparsed();
  }

  // `uniqueKeys: false`: yaml's own duplicate-key check scans each map per key
  // (quadratic in a 10,000-step workflow); the check below does the same job with a
  // set per map. `schema: 'core'` with no custom tags: `!!binary`, `!!set`,
  // `!!timestamp` (and `%YAML 1.1` dates) would make values that are not JSON, so
  // every tag but the core ones is reported. `stringKeys`: a key that is a list,
  // a map or an alias is an error, not a stringified "[ a, b ]".
  const composer = new Composer({ uniqueKeys: false, schema: 'core', resolveKnownTags: false, stringKeys: true, prettyErrors: false, keepSourceTokens: false });
  let doc: Document.Parsed | undefined;
  for (const composed of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = composed;
    else {
      error(Codes.YamlSyntax, 'the file holds several YAML documents (a second "---"); a workflow is one document', composed.range[0]);
      break;
    }
  }
  doc = doc!;

  for (const e of doc.errors) {
    if (e.code === 'NON_STRING_KEY') error(Codes.BadKey, 'a key must be a plain string, not a list, a map or an alias', e.pos[0]);
    else error(Codes.YamlSyntax, e.message.split('\n')[0], e.pos[0]);
  }
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') {
      const tag = text.slice(w.pos[0], w.pos[1]);
      error(Codes.UnsupportedTag, `tag ${tag} is not supported: a workflow holds plain strings, numbers, booleans, null, lists and maps`, w.pos[0]);
    } else {
      error(Codes.YamlSyntax, w.message.split('\n')[0], w.pos[0]);
    }
  }

  let aliases = false;
  visit(doc, {
    Alias() {
      aliases = true;
    },
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const at = (pair.key as Node | null)?.range?.[0] ?? (pair.value as Node | null)?.range?.[0] ?? map.range?.[0] ?? 0;
        if (pair.key === null || (isScalar(pair.key) && (pair.key.value === null || pair.key.value === ''))) {
          error(Codes.BadKey, 'empty key: write a name before the colon', at);
          continue;
        }
        if (!isScalar(pair.key)) continue; // stringKeys reported it
        const key = String(pair.key.value);
        if (key === '__proto__') error(Codes.BadKey, "'__proto__' cannot be a key", at);
        else if (seen.has(key)) error(Codes.YamlSyntax, `duplicate key '${key}': a mapping's keys must be unique`, at);
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
    try {
      data = doc.toJS({ maxAliasCount: 100 });
      if (aliases && expandsBeyond(data, MAX_ALIAS_EXPANSION * text.length + ALIAS_EXPANSION_FLOOR)) {
        error(Codes.AliasExpansion, `aliases expand this file to more than ${MAX_ALIAS_EXPANSION} times its size (or refer to themselves): write the data out, or use fewer aliases`, firstAliasOffset(doc));
        data = null;
      }
    } catch (e) {
      // toJS throws for an alias the library refuses: too many nested expansions
      // ("billion laughs"), or an alias whose anchor is not set before it.
      const message = e instanceof Error ? e.message : String(e);
      const bomb = /resource exhaustion/i.test(message);
      error(
        bomb ? Codes.AliasExpansion : Codes.YamlSyntax,
        bomb ? 'aliases here expand to too much data (nested aliases, a "billion laughs"): write the data out, or use fewer aliases' : message.split('\n')[0],
        firstAliasOffset(doc, bomb),
      );
      data = null;
    }
  }
  return { source: { data, locate, scalarStart, position }, diagnostics };
}

/** The text, or the offset of the first byte that is not UTF-8. */
function decodeUtf8(bytes: Uint8Array): { text: string; invalidAt: number } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes), invalidAt: -1 };
  } catch {
    // Decode what precedes the bad byte, so that its position counts characters, not bytes.
    const text = new TextDecoder('utf-8').decode(bytes.subarray(0, firstInvalidUtf8(bytes)));
    return { text, invalidAt: text.length };
  }
}

/**
 * The offset of the first byte that breaks UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF). Only called once the platform's decoder
 * has said the bytes are not UTF-8, to say where.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let length: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [length, min] = [2, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [length, min] = [3, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    let code = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
}

/** The offset of the first collection nested deeper than MAX_DEPTH, walking the parser's tokens without recursion. */
function tooDeep(tokens: CST.Token[]): number | undefined {
  const stack: Array<{ token: CST.Token | undefined; depth: number }> = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > MAX_DEPTH) return token.offset;
      for (const item of token.items as Array<{ key?: CST.Token | null; value?: CST.Token }>) {
        if (item.key) stack.push({ token: item.key, depth: depth + 1 });
        if (item.value) stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * Whether the data, with every alias expanded, counts more than `budget` units
 * (one per value, plus the length of each string and key). Iterative and bounded
 * by the budget, so a cycle or a bomb costs at most `budget` steps.
 */
function expandsBeyond(data: unknown, budget: number): boolean {
  const stack: unknown[] = [data];
  let spent = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    spent += 1;
    if (typeof value === 'string') spent += value.length;
    else if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        spent += key.length;
        stack.push(item);
      }
    }
    if (spent > budget) return true;
  }
  return false;
}

/** Where to point at an alias problem: the first alias whose anchor itself holds aliases (the shape of a bomb), else the first alias. */
function firstAliasOffset(doc: Document.Parsed, nested = true): number {
  let first: number | undefined;
  let bomb: number | undefined;
  const anchorsWithAliases = new Set<string>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) {
        first ??= node.range?.[0];
        if (nested && bomb === undefined && anchorsWithAliases.has(node.source)) bomb = node.range?.[0];
        return;
      }
      if (isCollection(node) && node.anchor) {
        let holds = false;
        visit(node, { Alias: () => ((holds = true), visit.BREAK) });
        if (holds) anchorsWithAliases.add(node.anchor);
      }
    },
  });
  return bomb ?? first ?? 0;
}
