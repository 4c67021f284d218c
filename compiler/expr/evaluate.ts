/**
 * The JavaScript backend: evaluates expressions where no state machine runs
 * them (a step's `outputs` map over `result`, a trigger's `with:` in the
 * webhook handler). Its meaning is the ASL backend's:
 * the shared operations live in values.ts, and the agreement tests run every
 * case through both.
 */
import { parseAt } from './parser.ts';
import { isWholeExpression, parseTemplate } from './template.ts';
import { CONTEXTS, ExprCodes, FUNCTIONS, isFunctionName } from './language.ts';
import { parseConditionText } from './condition-text.ts';
import { eagerCalls } from './analysis.ts';
import { ExpressionError } from './expression-error.ts';
import { compare, contains, endsWith, formatValue, isTruthy, kindOf, length, startsWith } from './values.ts';
import { staticKey } from './references.ts';
import type { CallExpr, Expr, ExprDiagnostic, MemberExpr } from './ast.ts';

export type Data = Record<string, unknown>;

/** What `success()` and `failure()` mean for the step being decided. */
export interface StatusValues {
  success: boolean;
  failure: boolean;
}

/**
 * Evaluates a parsed expression over `data` (`{ inputs, steps, item, ... }`).
 * Throws ExpressionError where Step Functions would fail the execution: a
 * missing path, a function given the wrong type. Status functions are only
 * allowed in conditions (`evaluateCondition`).
 */
export function evaluate(expr: Expr, data: Data): unknown {
  return new Evaluator(data).value(expr);
}

/** Parses and evaluates one expression (no `${{ }}`); any problem is an ExpressionError. */
export function evaluateExpression(source: string, data: Data): unknown {
  return evaluate(parseOrThrow(source), data);
}

/**
 * Renders a string value: exactly one `${{ }}` keeps the expression's JSON
 * type; anything else becomes a string, each value written as `States.Format`
 * writes it (see values.ts `formatValue`).
 */
export function renderTemplate(text: string, data: Data): unknown {
  const { parts, diagnostics } = parseTemplate(text);
  throwFirst(diagnostics);
  const evaluator = new Evaluator(data);
  if (isWholeExpression(text)) {
    const part = parts[0];
    if (part.kind === 'expr') return evaluator.value(part.expr);
  }
  return parts.map((part) => (part.kind === 'text' ? part.value : formatValue(evaluator.value(part.expr)))).join('');
}

/**
 * Decides an `if:` condition; `${{ }}` around it is optional. The result is
 * the expression's truthiness. As in the ASL backend, every `length()` and
 * every array `contains()` is computed before the condition is decided (Step
 * Functions computes them in a Pass state before the Choice), so a missing
 * path inside one fails the condition even where `&&`/`||` would not reach it.
 */
export function evaluateCondition(text: string, data: Data, status: StatusValues = { success: true, failure: false }): boolean {
  const expr = parseCondition(text);
  const evaluator = new Evaluator(data, status);
  for (const call of eagerCalls(expr)) evaluator.value(call);
  return isTruthy(evaluator.value(expr));
}

function parseCondition(text: string): Expr {
  const { expr, diagnostics } = parseConditionText(text);
  throwFirst(diagnostics);
  return expr as Expr;
}

function parseOrThrow(source: string): Expr {
  const { expr, diagnostics } = parseAt(source, 0);
  throwFirst(diagnostics);
  return expr as Expr;
}

function throwFirst(diagnostics: ExprDiagnostic[]): void {
  const first = diagnostics[0];
  if (first) throw new ExpressionError(`${first.code} at ${first.offset}: ${first.message}`, first.code);
}

class Evaluator {
  private data: Data;
  private status?: StatusValues;

  constructor(data: Data, status?: StatusValues) {
    this.data = data;
    this.status = status;
  }

  value(expr: Expr): unknown {
    switch (expr.type) {
      case 'literal':
        return expr.value;
      case 'context':
        return this.context(expr.name);
      case 'member':
        return this.member(expr).value;
      case 'unary':
        return !isTruthy(this.value(expr.argument));
      case 'logical': {
        const left = this.value(expr.left);
        if (expr.operator === '&&') return isTruthy(left) ? this.value(expr.right) : left;
        return isTruthy(left) ? left : this.value(expr.right);
      }
      case 'binary': {
        const left = this.value(expr.left);
        return compare(expr.operator, left, this.value(expr.right));
      }
      case 'call':
        return this.call(expr);
    }
  }

  private context(name: string): unknown {
    if (!CONTEXTS.has(name)) throw new ExpressionError(`unknown context "${name}"`, ExprCodes.UnknownContext);
    const value = Object.hasOwn(this.data, name) ? this.data[name] : undefined;
    if (value === undefined) throw new ExpressionError(`${name} is not available here`);
    return value;
  }

  /** A member's value and the path that names it in messages (`steps.a.outputs['x-y'][0]`). */
  private member(expr: MemberExpr): { value: unknown; label: string } {
    const base = expr.object.type === 'member' ? this.member(expr.object) : { value: this.value(expr.object), label: label(expr.object) };
    const key = expr.computed ? (staticKey(expr) ?? this.value(expr.property)) : (expr.property as { value: string }).value;
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new ExpressionError(`${base.label}[...]: a key must be a string or a number, got ${kindOf(key)}`);
    }
    const path = base.label + keyLabel(key);
    const value = lookup(base.value, key);
    if (value === undefined) {
      const why = base.value === null || typeof base.value !== 'object' ? ` (${base.label} is ${kindOf(base.value)})` : '';
      throw new ExpressionError(`${path} does not exist${why}`);
    }
    return { value, label: path };
  }

  private call(expr: CallExpr): unknown {
    if (!isFunctionName(expr.name) || expr.args.length !== FUNCTIONS[expr.name]) {
      throw new ExpressionError(`unknown function ${expr.name}() or wrong number of arguments`, ExprCodes.UnknownFunction);
    }
    const args = expr.args.map((arg) => this.value(arg));
    switch (expr.name) {
      case 'contains':
        return contains(args[0], args[1], expr.args[1].type === 'literal');
      case 'startsWith':
        return startsWith(args[0], args[1]);
      case 'endsWith':
        return endsWith(args[0], args[1]);
      case 'length':
        return length(args[0]);
      case 'always':
      case 'success':
      case 'failure':
        if (!this.status) throw new ExpressionError(`${expr.name}() only means something in an if: condition`);
        return expr.name === 'always' ? true : this.status[expr.name];
    }
  }
}

/** JSON member access: own keys of plain objects, whole-number indexes of arrays; undefined when absent. */
function lookup(base: unknown, key: string | number): unknown {
  if (typeof key === 'number') {
    return Array.isArray(base) && Number.isInteger(key) && key >= 0 ? base[key] : undefined;
  }
  if (kindOf(base) !== 'object') return undefined;
  const record = base as Record<string, unknown>;
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function label(expr: Expr): string {
  return expr.type === 'context' ? expr.name : `(${expr.type})`;
}

function keyLabel(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
