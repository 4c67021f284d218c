import { Codes } from '../diagnostics.ts';
import type { Rule } from './rule.ts';

/**
 * The longest `${{ }}` expression. The expression parser and the backends recurse
 * on the expression's tree; a few thousand nested parentheses, `!` or `&&` would
 * exhaust the stack. No useful expression comes near this length.
 */
export const MAX_EXPRESSION_LENGTH = 1000;

const OPEN = '${{';
const CLOSE = '}}';

/** Every expression in every string of the workflow is at most MAX_EXPRESSION_LENGTH characters. */
export const expressionSizeRule: Rule = ({ doc, report }) => {
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value: doc, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const longest = longestExpression(value);
      if (longest > MAX_EXPRESSION_LENGTH) {
        report(path, Codes.ExpressionTooLong, `an expression here is ${longest} characters; at most ${MAX_EXPRESSION_LENGTH}: compute it in a function step`);
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: [...path, index] }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) stack.push({ value: item, path: [...path, key] });
    }
  }
};

/**
 * The length of the longest `${{ ... }}` in a string, found as the template
 * parser finds them (the closing `}}` outside single-quoted strings, else the
 * first `}}`), but without parsing them.
 */
function longestExpression(text: string): number {
  let longest = 0;
  for (let open = text.indexOf(OPEN); open >= 0; ) {
    const inner = open + OPEN.length;
    let close = findClose(text, inner);
    if (close < 0) close = text.indexOf(CLOSE, inner);
    if (close < 0) return longest; // never closed: reported as a syntax error, never parsed
    longest = Math.max(longest, close - inner);
    open = text.indexOf(OPEN, close + CLOSE.length);
  }
  return longest;
}

function findClose(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "'") inString = !inString;
    else if (!inString && text.startsWith(CLOSE, i)) return i;
  }
  return -1;
}
