/**
 * The ASL backend's view of one value inside an expression: a constant, a
 * JSONPath into the state data, an intrinsic function call, or a secret.
 * Templates (to-asl.ts) and conditions (to-choice.ts) both start here, so a
 * path, a key or a function argument is checked and written one way only.
 */
import { CONTEXTS, ExprCodes, isValidCall } from './language.ts';
import { diagnostic } from './ast.ts';
import { isConstant } from './analysis.ts';
import { evaluate } from './evaluate.ts';
import { ExpressionError } from './expression-error.ts';
import { jsonPathKeyProblem } from './json-path.ts';
import { staticChain } from './references.ts';
import type { CallExpr, Expr, ExprDiagnostic, LiteralValue, Reference } from './ast.ts';

/** JSON types the compiler may know for a path (an input's declared `type`, `index`, `run.*`, ...). */
export type ValueType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'unknown';

/**
 * What the compiler says about a reference: where it lives in the state data
 * (with its type, if the value is always present and always of that type:
 * the backend trusts a hint and drops runtime checks), that it is a secret
 * (never in the state data), or why it is not allowed here.
 */
export type Resolved = { path: string; type?: ValueType; plain?: boolean } | { secret: string } | { error: { code: string; message: string } };

/** The compiler maps contexts to JSONPaths in the state data, or rejects them. */
export type Resolver = (ref: Reference) => Resolved;

export type Operand =
  | { kind: 'literal'; value: LiteralValue }
  /** `plain`: a string known never to hold a backslash (a run id, a timestamp), safe inside States.Format. */
  | { kind: 'path'; path: string; type: ValueType; plain?: boolean }
  | { kind: 'intrinsic'; expr: string; type: ValueType }
  | { kind: 'secret'; name: string };

/** Where an operand is used: it changes what to suggest when it cannot compile. */
export type Position = 'value' | 'condition';

export interface OperandContext {
  resolve: Resolver;
  diagnostics: ExprDiagnostic[];
  position: Position;
}

/** Compiles a value; undefined when it cannot (a diagnostic says why, unless the parser already did). */
export function compileOperand(expr: Expr, ctx: OperandContext): Operand | undefined {
  if (isConstant(expr)) return foldConstant(expr, ctx);
  switch (expr.type) {
    case 'context':
    case 'member':
      return compileReference(expr, ctx);
    case 'call':
      return compileCall(expr, ctx);
    case 'unary':
    case 'binary':
    case 'logical':
      notRepresentable(
        ctx,
        expr,
        ctx.position === 'value'
          ? `Step Functions cannot compute "${operatorOf(expr)}" into a value (no intrinsic function does); decide it in an if: condition, or compute it in a function step`
          : `"${operatorOf(expr)}" gives a condition, not a value to compare; write the condition itself (e.g. "!x" rather than "x == false")`,
      );
      return undefined;
    case 'literal':
      return { kind: 'literal', value: expr.value };
  }
}

/** A constant sub-expression, computed now with the JavaScript semantics so both backends agree. */
export function foldConstant(expr: Expr, ctx: OperandContext): Operand | undefined {
  try {
    return { kind: 'literal', value: evaluate(expr, {}) as LiteralValue };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    // A code means the parser has already reported it.
    if (error.code === undefined) notRepresentable(ctx, expr, `this constant expression always fails: ${error.message}`);
    return undefined;
  }
}

function compileReference(expr: Expr, ctx: OperandContext): Operand | undefined {
  const chain = staticChain(expr);
  if (!chain) {
    notRepresentable(ctx, expr, 'only a context (inputs, steps, item, ...) has fields; Step Functions cannot read a field of a computed value');
    return undefined;
  }
  if (!CONTEXTS.has(chain.reference.root)) return undefined;
  if (!chain.complete) {
    const dynamic = chain.dynamic[0];
    notRepresentable(
      ctx,
      dynamic,
      "a key inside [ ] must be a literal ('name' or a whole number 0 or above): a Step Functions path cannot be computed at run time",
    );
    return undefined;
  }
  for (const key of chain.reference.path) {
    const problem = jsonPathKeyProblem(key);
    if (problem) {
      notRepresentable(ctx, expr, `${problem}; rename the field or pass the value through a function step`);
      return undefined;
    }
  }
  const resolved = ctx.resolve(chain.reference);
  if ('error' in resolved) {
    ctx.diagnostics.push({ code: resolved.error.code, message: resolved.error.message, offset: chain.reference.offset, length: chain.reference.length });
    return undefined;
  }
  if ('secret' in resolved) return { kind: 'secret', name: resolved.secret };
  return { kind: 'path', path: resolved.path, type: resolved.type ?? 'unknown', ...(resolved.plain ? { plain: true } : {}) };
}

function compileCall(expr: CallExpr, ctx: OperandContext): Operand | undefined {
  if (!isValidCall(expr)) return undefined;
  switch (expr.name) {
    case 'length': {
      const list = compileDataArgument(expr.args[0], ctx, expr.name);
      if (!list) return undefined;
      if (list.type !== 'array' && list.type !== 'unknown') {
        notRepresentable(ctx, expr.args[0], `length() counts an array's elements (States.ArrayLength), and this is ${article(list.type)}`);
        return undefined;
      }
      return { kind: 'intrinsic', expr: `States.ArrayLength(${list.path})`, type: 'integer' };
    }
    case 'contains': {
      const kind = containsKind(expr, ctx);
      if (kind === undefined) return undefined;
      if (kind === 'string') {
        notRepresentable(
          ctx,
          expr,
          ctx.position === 'value'
            ? 'a substring test cannot be computed into a value (Step Functions has no intrinsic function for it); use it in an if: condition'
            : 'a substring test is a condition, not a value to compare; use contains(...) or !contains(...) directly',
        );
        return undefined;
      }
      const list = compileDataArgument(expr.args[0], ctx, expr.name);
      const needle = compileOperand(expr.args[1], ctx);
      if (!list || !needle) return undefined;
      const arg = intrinsicArgument(needle, expr.args[1], ctx);
      if (arg === undefined) return undefined;
      return { kind: 'intrinsic', expr: `States.ArrayContains(${list.path}, ${arg})`, type: 'boolean' };
    }
    case 'startsWith':
    case 'endsWith':
      notRepresentable(
        ctx,
        expr,
        ctx.position === 'value'
          ? `${expr.name}() cannot be computed into a value (Step Functions has no intrinsic function for it); use it in an if: condition`
          : `${expr.name}() is a condition, not a value to compare; use it directly`,
      );
      return undefined;
    case 'success':
    case 'failure':
    case 'always':
      notRepresentable(
        ctx,
        expr,
        ctx.position === 'value' ? `${expr.name}() only means something in an if: condition` : `${expr.name}() is a condition, not a value to compare; use it directly`,
      );
      return undefined;
    default:
      return undefined; // unknown function: BTN403 from the parser
  }
}

/**
 * Whether `contains(a, b)` is a substring test or an array membership test.
 * The type hint decides; without one, a string literal to look for means a
 * string (the common `contains(trigger.payload.comment.body, '/deploy')`),
 * anything else an array. Step Functions cannot ask "is this an array?" at
 * run time, and the two tests compile to different states.
 */
export function containsKind(expr: CallExpr, ctx: OperandContext): 'string' | 'array' | undefined {
  const [haystack, needle] = expr.args;
  const type = isConstant(haystack) ? undefined : referenceType(haystack, ctx);
  if (type === 'string' || type === 'array') return type;
  if (type !== undefined && type !== 'unknown') {
    notRepresentable(ctx, haystack, `contains() looks into a string or an array, and this is ${article(type)}`);
    return undefined;
  }
  return needle.type === 'literal' && typeof needle.value === 'string' ? 'string' : 'array';
}

/** The type hint of a plain reference, without reporting anything (the caller compiles it again). */
function referenceType(expr: Expr, ctx: OperandContext): ValueType | undefined {
  const chain = staticChain(expr);
  if (!chain?.complete || !CONTEXTS.has(chain.reference.root)) return undefined;
  if (chain.reference.path.some((key) => jsonPathKeyProblem(key))) return undefined;
  const resolved = ctx.resolve(chain.reference);
  return 'path' in resolved ? (resolved.type ?? 'unknown') : undefined;
}

/** The data argument of a function (the string or array it looks into): a path, never a constant or a secret. */
export function compileDataArgument(expr: Expr, ctx: OperandContext, fn: string): { path: string; type: ValueType } | undefined {
  if (isConstant(expr)) {
    notRepresentable(ctx, expr, `${fn}() needs a path here (inputs..., steps..., ...): a Choice rule or an intrinsic function reads its first argument from the state data`);
    return undefined;
  }
  const operand = compileOperand(expr, ctx);
  if (!operand) return undefined;
  if (operand.kind === 'secret') {
    secretNotAllowed(ctx, expr);
    return undefined;
  }
  if (operand.kind !== 'path') {
    notRepresentable(ctx, expr, `${fn}() needs a path here (inputs..., steps..., ...), not a computed value`);
    return undefined;
  }
  return operand;
}

/** An operand written as an intrinsic function argument; undefined when it cannot be. */
export function intrinsicArgument(operand: Operand, expr: Expr, ctx: OperandContext): string | undefined {
  switch (operand.kind) {
    case 'path':
      return operand.path;
    case 'intrinsic':
      return operand.expr;
    case 'secret':
      secretNotAllowed(ctx, expr);
      return undefined;
    case 'literal': {
      const value = operand.value;
      if (typeof value === 'string') return quoteIntrinsicString(value, expr, ctx);
      if (typeof value === 'number') {
        const text = String(value);
        // asl-validator reads only whole numbers as arguments; States.StringToJson carries any other.
        return /^-?[0-9]+$/.test(text) ? text : `States.StringToJson('${text}')`;
      }
      return String(value);
    }
  }
}

/**
 * A string literal for an intrinsic function: `'`, `{` and `}` are escaped
 * with a backslash, as Step Functions requires. A backslash itself cannot be
 * written: asl-validator rejects `\\` and aws-local-stepfunctions drops it.
 */
export function quoteIntrinsicString(value: string, span: { start: number; end: number }, ctx: OperandContext): string | undefined {
  if (value.includes('\\')) {
    notRepresentable(ctx, span, 'a backslash cannot be written in an intrinsic function string (asl-validator rejects "\\\\" and aws-local-stepfunctions drops it); pass this text through an input instead');
    return undefined;
  }
  return `'${escapeIntrinsicText(value)}'`;
}

export function escapeIntrinsicText(value: string): string {
  return value.replace(/['{}]/g, (ch) => `\\${ch}`);
}

export function secretNotAllowed(ctx: OperandContext, span: { start: number; end: number }): void {
  notRepresentable(
    ctx,
    span,
    ctx.position === 'value'
      ? 'a secret cannot go through an intrinsic function: it never enters the state machine\'s data; use it on its own or inside a string'
      : "a condition cannot read a secret: a secret never enters the state machine's data",
  );
}

export function notRepresentable(ctx: OperandContext, span: { start: number; end: number }, message: string): void {
  ctx.diagnostics.push(diagnostic(ExprCodes.NotRepresentable, message, span));
}

function operatorOf(expr: Expr): string {
  return expr.type === 'unary' || expr.type === 'binary' || expr.type === 'logical' ? expr.operator : expr.type;
}

function article(type: ValueType): string {
  return type === 'integer' || type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`;
}
