/**
 * Splits a string value into text and `${{ expr }}` parts. The closing `}}`
 * is searched outside single-quoted strings, so `${{ '}}' }}` is one
 * expression, as in GitHub Actions. Every expression is parsed in place, so
 * all offsets (parts, AST nodes, diagnostics) are offsets into `text`.
 */
import { parseAt } from './parser.ts';
import { ExprCodes } from './language.ts';
import type { Expr, ExprDiagnostic } from './ast.ts';

export type TemplatePart = { kind: 'text'; value: string } | { kind: 'expr'; expr: Expr; source: string; offset: number };

/** A part with its offset in the text, text parts included (the backends point diagnostics at text too). */
export type PlacedPart = { kind: 'text'; value: string; offset: number } | { kind: 'expr'; expr: Expr; source: string; offset: number };

const OPEN = '${{';
const CLOSE = '}}';

/** Whether a string holds any `${{` at all: a plain string needs no compiling. */
export function isTemplate(text: string): boolean {
  return text.includes(OPEN);
}

/**
 * The parts of a template. An expression that does not parse is left out of
 * `parts` and reported; the other expressions are still parsed, so one call
 * reports every problem. `parts` with no expr part means a plain string.
 */
export function parseTemplate(text: string): { parts: TemplatePart[]; diagnostics: ExprDiagnostic[] } {
  const { parts, diagnostics } = scanTemplate(text);
  return { parts: parts.map((part) => (part.kind === 'text' ? { kind: 'text', value: part.value } : part)), diagnostics };
}

/** As `parseTemplate`, keeping the offset of text parts. */
export function scanTemplate(text: string): { parts: PlacedPart[]; diagnostics: ExprDiagnostic[] } {
  const parts: PlacedPart[] = [];
  const diagnostics: ExprDiagnostic[] = [];
  let textStart = 0;
  let cursor = 0;

  const pushText = (value: string, offset: number) => {
    if (value === '') return;
    const last = parts.at(-1);
    if (last?.kind === 'text') last.value += value;
    else parts.push({ kind: 'text', value, offset });
  };

  for (;;) {
    const open = text.indexOf(OPEN, cursor);
    if (open < 0) break;
    pushText(text.slice(textStart, open), textStart);
    const inner = open + OPEN.length;
    // An unterminated string hides the real "}}": parse up to the first one, and the lexer says what is wrong.
    const quotedClose = findClose(text, inner);
    const close = quotedClose >= 0 ? quotedClose : text.indexOf(CLOSE, inner);
    if (close < 0) {
      diagnostics.push({ code: ExprCodes.Syntax, message: '"${{" is never closed by "}}"', offset: open, length: text.length - open });
      textStart = text.length;
      break;
    }
    const raw = text.slice(inner, close);
    const leading = raw.length - raw.trimStart().length;
    const source = raw.trim();
    const offset = inner + leading;
    if (source === '') {
      diagnostics.push({ code: ExprCodes.Syntax, message: 'empty expression: write something between "${{" and "}}"', offset: open, length: close + CLOSE.length - open });
    } else {
      const parsed = parseAt(source, offset);
      diagnostics.push(...parsed.diagnostics);
      if (parsed.expr) parts.push({ kind: 'expr', expr: parsed.expr, source, offset });
    }
    cursor = close + CLOSE.length;
    textStart = cursor;
  }
  pushText(text.slice(textStart), textStart);
  return { parts, diagnostics };
}

/** Index of the `}}` that closes an expression starting at `from`, skipping quoted strings; -1 if none. */
function findClose(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "'") {
      // `''` inside a string is an escaped quote: toggling twice leaves us inside, as it should.
      inString = !inString;
    } else if (!inString && text.startsWith(CLOSE, i)) {
      return i;
    }
  }
  return -1;
}

/**
 * Whether the whole text is one `${{ }}` (the case where the value keeps its
 * JSON type). Decided on the text, not on the parsed parts, so that an
 * expression that failed to parse does not turn an interpolation into a
 * whole value.
 */
export function isWholeExpression(text: string): boolean {
  if (!text.startsWith(OPEN)) return false;
  const close = findClose(text, OPEN.length);
  return close >= 0 && close + CLOSE.length === text.length;
}
