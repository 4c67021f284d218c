/**
 * Baton's expression language: `${{ expr }}` inside workflow strings and
 * `if:` conditions. One parser, two backends: to-asl.ts / to-choice.ts compile
 * to Amazon States Language (JSONPath, intrinsic functions, Choice rules) so
 * Step Functions runs them natively; evaluate.ts runs the same expressions in
 * JavaScript where no state machine does. docs/expressions.md is the reference.
 */
export type { Expr, ExprDiagnostic, Reference } from './ast.ts';
export { ExprCodes } from './language.ts';
export { parseExpression } from './parser.ts';
export { parseTemplate, isTemplate } from './template.ts';
export type { TemplatePart } from './template.ts';
export { referencesOf, callsOf } from './references.ts';
export { toJsonPath } from './json-path.ts';

export type { ValueType, Resolved, Resolver } from './asl-operand.ts';
export { compileTemplate, isIntrinsicSafeText } from './to-asl.ts';
export type { TemplateOptions } from './to-asl.ts';
export type { CompiledValue } from './to-asl.ts';
export { compileCondition, usesStatusFunction } from './to-choice.ts';
export type { ChoiceRule, CompiledCondition, ConditionOptions } from './to-choice.ts';

export { ExpressionError } from './expression-error.ts';
export { evaluate, evaluateExpression, renderTemplate, evaluateCondition } from './evaluate.ts';
/** How interpolation writes a value into a string; the runtime joins secret templates with it. */
export { formatValue } from './values.ts';
