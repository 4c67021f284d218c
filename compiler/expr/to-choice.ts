/**
 * The ASL backend for conditions: an `if:` becomes one Choice rule (And, Or,
 * Not over comparisons), plus a "prelude" of values a Choice cannot compute
 * itself (`States.ArrayContains`, `States.ArrayLength`) that the compiler
 * stores with a Pass state just before the Choice.
 *
 * The rules keep JavaScript's meaning exactly (values.ts), which takes some
 * care: Choice comparisons are typed, so where the compiler does not know a
 * value's type the rule checks it (IsString, IsNumeric, ...) before comparing;
 * a missing path must fail the execution as the JavaScript backend throws, so
 * every path the JavaScript backend would read is read by the rule too.
 */
import { isValidCall, STATUS_FUNCTIONS } from './language.ts';
import { isConstant } from './analysis.ts';
import { parseConditionText } from './condition-text.ts';
import { callsOf } from './references.ts';
import { compare, isTruthy } from './values.ts';
import {
  compileDataArgument,
  compileOperand,
  containsKind,
  foldConstant,
  notRepresentable,
  secretNotAllowed,
} from './asl-operand.ts';
import type { Operand, OperandContext, Resolver, ValueType } from './asl-operand.ts';
import type { BinaryExpr, CallExpr, ComparisonOperator, Expr, ExprDiagnostic, LogicalExpr } from './ast.ts';

/** An ASL Choice rule without `Next`: a comparison on `Variable`, or And/Or/Not. */
export type ChoiceRule = Record<string, unknown>;

export interface ConditionOptions {
  /** What success()/failure() mean for this step (the compiler knows its needs); always() is true. */
  status: (fn: 'success' | 'failure') => ChoiceRule | boolean;
  /** Where the prelude's values are stored, e.g. '$.when'; rules read `${tempPath}.c0`. */
  tempPath: string;
}

export interface CompiledCondition {
  /** A boolean when the condition is constant (e.g. `always()`), so the compiler can drop the Choice. */
  rule?: ChoiceRule | boolean;
  /** Parameters of the Pass state before the Choice (ResultPath = tempPath); empty when none is needed. */
  prelude: Record<string, string>;
  /** Whether success(), failure() or always() appears: without one, the compiler implies `success() &&`. */
  usesStatusFunction: boolean;
  diagnostics: ExprDiagnostic[];
}

/** Compiles an `if:` string; `${{ }}` around it is optional. */
export function compileCondition(text: string, resolve: Resolver, options: ConditionOptions): CompiledCondition {
  const { expr, diagnostics } = parseConditionText(text);
  if (!expr) return { prelude: {}, usesStatusFunction: false, diagnostics };
  const compiler = new ConditionCompiler({ resolve, diagnostics, position: 'condition' }, options);
  let rule = compiler.rule(expr);
  const prelude = compiler.prelude;
  const usesStatusFunction = callsOf(expr).some((name) => STATUS_FUNCTIONS.has(name));
  if (diagnostics.length > 0 || rule === undefined) return { prelude: {}, usesStatusFunction, diagnostics };
  const firstValue = Object.keys(prelude)[0];
  if (typeof rule === 'boolean' && firstValue) {
    // The prelude must still run (its paths may be missing, and then the condition fails),
    // so keep the Choice with a rule that is constant once the prelude has run.
    const present: ChoiceRule = { Variable: `${options.tempPath}.${firstValue.slice(0, -2)}`, IsPresent: true };
    rule = rule ? present : { Not: present };
  }
  return { rule, prelude, usesStatusFunction, diagnostics };
}

type Rule = ChoiceRule | boolean;
/** What a Choice compares: a constant or a path (a prelude value is read back as a path). */
type ValueOperand = Extract<Operand, { kind: 'path' }>;
type ChoiceOperand = Extract<Operand, { kind: 'literal' }> | ValueOperand;

const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const TYPE_PREFIX = { string: 'String', number: 'Numeric', boolean: 'Boolean' } as const;
const SUFFIX: Record<string, string> = { '<': 'LessThan', '<=': 'LessThanEquals', '>': 'GreaterThan', '>=': 'GreaterThanEquals' };

class ConditionCompiler {
  prelude: Record<string, string> = {};
  private ctx: OperandContext;
  private options: ConditionOptions;

  constructor(ctx: OperandContext, options: ConditionOptions) {
    this.ctx = ctx;
    this.options = options;
  }

  /** The rule for an expression used as a condition (its truthiness). */
  rule(expr: Expr): Rule | undefined {
    if (isConstant(expr)) {
      const folded = foldConstant(expr, this.ctx);
      return folded?.kind === 'literal' ? isTruthy(folded.value) : undefined;
    }
    switch (expr.type) {
      case 'logical':
        return this.logical(expr);
      case 'unary': {
        const inner = this.rule(expr.argument);
        return negate(inner);
      }
      case 'binary':
        return this.comparison(expr);
      case 'call':
        return this.call(expr);
      default: {
        const operand = this.operand(expr);
        return operand && truthy(operand);
      }
    }
  }

  /**
   * And/Or, flattened. Every term is compiled (so every prelude value exists,
   * as the JavaScript backend computes them all first); constants are then
   * folded without changing which paths are read before the result is known.
   */
  private logical(expr: LogicalExpr): Rule | undefined {
    const terms = flatten(expr, expr.operator).map((term) => this.rule(term));
    if (terms.some((term) => term === undefined)) return undefined;
    const isAnd = expr.operator === '&&';
    const key = isAnd ? 'And' : 'Or';
    const decisive = !isAnd; // the constant that ends evaluation: false for And, true for Or
    const kept: ChoiceRule[] = [];
    for (const term of terms as Rule[]) {
      if (term === decisive) {
        if (kept.length === 0) return decisive;
        // The terms before still run (and may fail on a missing path): R || !R, or R && !R.
        const before = join(key, kept);
        return { [key]: [before, { Not: before }] };
      }
      if (typeof term !== 'boolean') kept.push(term);
    }
    return kept.length === 0 ? !decisive : join(key, kept);
  }

  private call(expr: CallExpr): Rule | undefined {
    if (!isValidCall(expr)) return undefined;
    switch (expr.name) {
      case 'always':
        return true;
      case 'success':
      case 'failure':
        return this.options.status(expr.name);
      case 'contains': {
        const kind = containsKind(expr, this.ctx);
        if (kind === undefined) return undefined;
        if (kind === 'string') return this.match(expr, (text) => `*${text}*`);
        break;
      }
      case 'startsWith':
        return this.match(expr, (text) => `${text}*`);
      case 'endsWith':
        return this.match(expr, (text) => `*${text}`);
    }
    const operand = this.operand(expr);
    return operand && truthy(operand);
  }

  /** contains/startsWith/endsWith on a string: StringMatches with a literal pattern. */
  private match(expr: CallExpr, pattern: (escaped: string) => string): Rule | undefined {
    const [subject, literal] = expr.args;
    const text = compileDataArgument(subject, this.ctx, expr.name);
    if (literal.type !== 'literal' || typeof literal.value !== 'string') {
      notRepresentable(
        this.ctx,
        literal,
        `${expr.name}() on a string compiles to StringMatches, whose pattern must be a string literal ('...'); Step Functions cannot match against a pattern read at run time`,
      );
      return undefined;
    }
    if (!text) return undefined;
    if (text.type !== 'string' && text.type !== 'unknown') {
      notRepresentable(this.ctx, subject, `${expr.name}() compares strings, and this is ${text.type === 'integer' ? 'an integer' : `a ${text.type}`}`);
      return undefined;
    }
    return { Variable: text.path, StringMatches: pattern(literal.value.replace(/[\\*]/g, (ch) => `\\${ch}`)) };
  }

  private comparison(expr: BinaryExpr): Rule | undefined {
    const left = this.operand(expr.left);
    const right = this.operand(expr.right);
    if (!left || !right) return undefined;
    if (left.kind === 'literal' && right.kind === 'literal') return compare(expr.operator, left.value, right.value);
    if (right.kind === 'literal') return this.againstLiteral(expr, expr.operator, left as ValueOperand, right.value);
    if (left.kind === 'literal') return this.againstLiteral(expr, FLIPPED[expr.operator], right, left.value);
    return this.betweenPaths(expr.operator, left, right);
  }

  private againstLiteral(expr: BinaryExpr, operator: ComparisonOperator, value: ValueOperand, literal: unknown): Rule | undefined {
    const Variable = value.path;
    if (operator === '==' || operator === '!=') {
      const equals: ChoiceRule =
        literal === null
          ? { Variable, IsNull: true }
          : typeof literal === 'string'
            ? { Variable, StringEquals: literal }
            : typeof literal === 'number'
              ? { Variable, NumericEquals: literal }
              : { Variable, BooleanEquals: literal };
      return operator === '==' ? equals : { Not: equals };
    }
    if (typeof literal === 'number') return guarded([typeGuard(value, 'number')], { Variable, [`Numeric${SUFFIX[operator]}`]: literal });
    if (typeof literal === 'string') return guarded([typeGuard(value, 'string')], { Variable, [`String${SUFFIX[operator]}`]: literal });
    notRepresentable(this.ctx, expr, `"${expr.operator}" compares numbers or strings; against ${JSON.stringify(literal)} it is always false`);
    return undefined;
  }

  /**
   * Two paths: one branch per JSON type both may have, each checking the
   * types the compiler does not know. The first branch checks the right side
   * first, so both paths are always read (a missing one fails, as in JavaScript).
   */
  private betweenPaths(operator: ComparisonOperator, left: ValueOperand, right: ValueOperand): Rule {
    const equality = operator === '==' || operator === '!=';
    const candidates = (equality ? (['string', 'number', 'boolean', 'null'] as const) : (['number', 'string'] as const)).filter(
      (kind) => mayBe(left.type, kind) && mayBe(right.type, kind),
    );
    const branches = candidates.map((kind, i): ChoiceRule => {
      const guards = [typeGuard(left, kind), typeGuard(right, kind)];
      if (i === 0) guards.reverse();
      const test = kind === 'null' ? undefined : { Variable: left.path, [`${TYPE_PREFIX[kind]}${equality ? 'Equals' : SUFFIX[operator]}Path`]: right.path };
      return guarded(guards, test);
    });
    const rule: Rule = branches.length === 0 ? false : branches.length === 1 ? branches[0] : { Or: branches };
    return operator === '!=' ? (negate(rule) as Rule) : rule;
  }

  /** An operand for a comparison: intrinsics move to the prelude and are read back as paths. */
  private operand(expr: Expr): ChoiceOperand | undefined {
    const operand = compileOperand(expr, this.ctx);
    if (operand?.kind === 'secret') {
      secretNotAllowed(this.ctx, expr);
      return undefined;
    }
    if (operand?.kind !== 'intrinsic') return operand;
    let key = Object.keys(this.prelude).find((k) => this.prelude[k] === operand.expr);
    if (!key) {
      key = `c${Object.keys(this.prelude).length}.$`;
      this.prelude[key] = operand.expr;
    }
    return { kind: 'path', path: `${this.options.tempPath}.${key.slice(0, -2)}`, type: operand.type };
  }
}

function flatten(expr: Expr, operator: '&&' | '||'): Expr[] {
  return expr.type === 'logical' && expr.operator === operator ? [...flatten(expr.left, operator), ...flatten(expr.right, operator)] : [expr];
}

function join(key: 'And' | 'Or', rules: ChoiceRule[]): ChoiceRule {
  const flat = rules.flatMap((rule) => (Array.isArray(rule[key]) && Object.keys(rule).length === 1 ? (rule[key] as ChoiceRule[]) : [rule]));
  return flat.length === 1 ? flat[0] : { [key]: flat };
}

function negate(rule: Rule | undefined): Rule | undefined {
  if (rule === undefined || typeof rule === 'boolean') return rule === undefined ? undefined : !rule;
  if (Object.keys(rule).length === 1 && rule.Not) return rule.Not as ChoiceRule;
  return { Not: rule };
}

/** Truthiness (false, 0, '' and null are falsy) as a rule that reads the path exactly once per branch. */
function truthy(operand: ChoiceOperand): Rule {
  if (operand.kind === 'literal') return isTruthy(operand.value);
  const Variable = operand.path;
  switch (operand.type) {
    case 'boolean':
      return { Variable, BooleanEquals: true };
    case 'string':
      return { Not: { Variable, StringEquals: '' } };
    case 'number':
    case 'integer':
      return { Not: { Variable, NumericEquals: 0 } };
    case 'object':
    case 'array':
      return { Not: { Variable, IsNull: true } };
    default:
      return {
        Not: {
          Or: [
            { Variable, IsNull: true },
            { Variable, BooleanEquals: false },
            { Variable, StringEquals: '' },
            { Variable, NumericEquals: 0 },
          ],
        },
      };
  }
}

function mayBe(type: ValueType, kind: 'string' | 'number' | 'boolean' | 'null'): boolean {
  switch (type) {
    case 'string':
    case 'boolean':
      return kind === type;
    case 'number':
    case 'integer':
      return kind === 'number';
    default:
      return true;
  }
}

/** A type check on a path, or undefined when its type hint already guarantees it. */
function typeGuard(value: ValueOperand, kind: 'string' | 'number' | 'boolean' | 'null'): ChoiceRule | undefined {
  if (kind !== 'null' && mayBe(value.type, kind) && value.type !== 'unknown' && value.type !== 'object' && value.type !== 'array') return undefined;
  const check = { string: 'IsString', number: 'IsNumeric', boolean: 'IsBoolean', null: 'IsNull' }[kind];
  return { Variable: value.path, [check]: true };
}

function guarded(guards: Array<ChoiceRule | undefined>, test: ChoiceRule | undefined): ChoiceRule {
  const rules = [...guards, test].filter((rule): rule is ChoiceRule => rule !== undefined);
  return rules.length === 1 ? rules[0] : { And: rules };
}

/**
 * Whether an `if:` names success(), failure() or always(): such a step may run
 * after a need failed or was skipped, so nothing after a failure can be skipped
 * wholesale before it (the emitter's "guarded" flow, docs/compiler.md).
 */
export function usesStatusFunction(text: string): boolean {
  const { expr } = parseConditionText(text);
  return expr !== undefined && callsOf(expr).some((name) => STATUS_FUNCTIONS.has(name));
}
