/**
 * Picks a step's declared `outputs` out of its result: only these travel between
 * states, while the full result stays in the checkpoint.
 */

import type { OutputsSpec } from '../../compiler/contract/index.ts';

type ExprModule = typeof import('../../compiler/expr/index.ts');

let expressions: Promise<ExprModule> | undefined;

/**
 * The expression language, loaded on first use: only `outputs` maps need it. The
 * specifier is a literal so that bundlers still include it in the step Lambda.
 */
function loadExpressions(): Promise<ExprModule> {
  expressions ??= import('../../compiler/expr/index.ts');
  return expressions;
}

/**
 * Without a spec, the result itself (the same object, so the store keeps it once).
 * A list keeps those fields (a missing one is `null`, so the shape is always the
 * declared one). A map evaluates each entry over `{ result }` with the compiler's
 * JavaScript backend: a bare expression (`result.summary`), one template
 * (`${{ result.summary }}`, keeping its JSON type) or a string with templates in it
 * (interpolated as States.Format would). A failing expression throws ExpressionError.
 */
export async function selectOutputs(spec: OutputsSpec | undefined, result: unknown): Promise<unknown> {
  if (spec === undefined) return result;
  if (Array.isArray(spec)) {
    const source = typeof result === 'object' && result !== null && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
    return Object.fromEntries(spec.map((field) => [field, Object.hasOwn(source, field) ? (source[field] ?? null) : null]));
  }
  const { evaluateExpression, renderTemplate } = await loadExpressions();
  const data = { result };
  const outputs: Record<string, unknown> = {};
  for (const [name, expression] of Object.entries(spec as Record<string, string>)) {
    const value = expression.includes('${{') ? renderTemplate(expression, data) : evaluateExpression(expression, data);
    outputs[name] = value ?? null;
  }
  return outputs;
}
