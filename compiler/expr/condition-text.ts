/**
 * How an `if:` string becomes one expression. GitHub Actions accepts both
 * `if: inputs.x == 'a'` and `if: ${{ inputs.x == 'a' }}`; so does Baton.
 */
import { parseAt } from './parser.ts';
import { isWholeExpression, parseTemplate } from './template.ts';
import { ExprCodes } from './language.ts';
import type { Expr, ExprDiagnostic } from './ast.ts';

/**
 * The expression of an `if:` text: the bare text, or the one `${{ }}` that
 * is all of it. Text around a `${{ }}` would make a string (always true in
 * GitHub Actions, a classic mistake), so it is an error here.
 */
export function parseConditionText(text: string): { expr?: Expr; diagnostics: ExprDiagnostic[] } {
  const trimmed = text.trim();
  const leading = text.length - text.trimStart().length;
  if (trimmed === '') {
    return { diagnostics: [{ code: ExprCodes.Syntax, message: 'the condition is empty', offset: 0, length: text.length }] };
  }
  if (!trimmed.includes('${{')) return parseAt(trimmed, leading);
  if (!isWholeExpression(trimmed)) {
    return {
      diagnostics: [
        {
          code: ExprCodes.Syntax,
          message: 'a condition is one expression: put all of it inside one ${{ }} (text around ${{ }} would make a string, which is always true)',
          offset: 0,
          length: text.length,
        },
      ],
    };
  }
  const { parts, diagnostics } = parseTemplate(text);
  const part = parts.find((p) => p.kind === 'expr');
  return part?.kind === 'expr' && diagnostics.length === 0 ? { expr: part.expr, diagnostics } : { diagnostics };
}
