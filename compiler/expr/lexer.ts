/**
 * Splits an expression into tokens. The lexer knows GitHub Actions' lexical
 * rules where Baton shares them: single-quoted strings with `''` for a quote,
 * identifiers that may contain `-` (`steps.my-step.outputs`), and numbers
 * that may start with `-` (there is no minus operator, so `-1` is always a
 * literal).
 */
import { ExprCodes } from './language.ts';
import type { ExprDiagnostic } from './ast.ts';

export type TokenKind = 'identifier' | 'number' | 'string' | 'punctuator' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The identifier or punctuator text, or the string's unescaped value. */
  text: string;
  /** Set for numbers. */
  number?: number;
  start: number;
  end: number;
}

const PUNCTUATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', ','];
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;
const NUMBER = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/;

/**
 * Tokens of `source`, with offsets shifted by `base` (the expression's place
 * in its template). Stops at the first bad character: one syntax error per
 * expression is enough, later tokens would only add noise.
 */
export function tokenize(source: string, base = 0): { tokens: Token[]; error?: ExprDiagnostic } {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string, at: number, length = 1) => ({
    tokens,
    error: { code: ExprCodes.Syntax, message, offset: base + at, length },
  });

  while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;

    if (IDENT_START.test(ch)) {
      while (i < source.length && IDENT_PART.test(source[i])) i++;
      tokens.push({ kind: 'identifier', text: source.slice(start, i), start: base + start, end: base + i });
      continue;
    }

    const number = /[0-9-]/.test(ch) ? NUMBER.exec(source.slice(i)) : null;
    if (number) {
      i += number[0].length;
      tokens.push({ kind: 'number', text: number[0], number: Number(number[0]), start: base + start, end: base + i });
      continue;
    }

    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) return fail('unterminated string: a string ends with a single quote', start, source.length - start);
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i++];
      }
      tokens.push({ kind: 'string', text: value, start: base + start, end: base + i });
      continue;
    }

    const punctuator = PUNCTUATORS.find((p) => source.startsWith(p, i));
    if (punctuator) {
      i += punctuator.length;
      tokens.push({ kind: 'punctuator', text: punctuator, start: base + start, end: base + i });
      continue;
    }

    return fail(unexpectedCharacter(ch), start);
  }
  tokens.push({ kind: 'eof', text: '', start: base + i, end: base + i });
  return { tokens };
}

function unexpectedCharacter(ch: string): string {
  switch (ch) {
    case '"':
      return "strings use single quotes: 'text' (write '' for a quote inside)";
    case '=':
      return 'use == to compare';
    case '&':
      return 'use && for "and"';
    case '|':
      return 'use || for "or"';
    case '-':
      return 'there is no minus operator; - may only start a number such as -1';
    case '*':
      return 'there are no wildcards or arithmetic in expressions';
    default:
      return `unexpected character ${JSON.stringify(ch)}`;
  }
}
