/**
 * The meaning of the language's operators and functions on JSON values.
 * The JavaScript backend evaluates with these, and the ASL backend folds
 * constant sub-expressions with them, so the two cannot drift apart. Every
 * choice here mirrors what the ASL backend compiles to (see docs/expressions.md):
 *
 * - `==` is strict and only scalars are ever equal (ASL Choice cannot compare
 *   objects or arrays): `1 == '1'` is false, `[] == []` is false.
 * - `<`, `<=`, `>`, `>=` compare two numbers or two strings (UTF-16 code
 *   units, like both Java and JavaScript); any other pair is false.
 * - Truthiness is GitHub Actions': `false`, `0`, `''` and `null` are falsy,
 *   everything else (including `[]` and `{}`) is truthy.
 * - Interpolation formats values like `States.Format` in aws-local-stepfunctions:
 *   `String(value)` for strings, numbers, booleans and null; objects and
 *   arrays are an error.
 */
import { ExpressionError } from './expression-error.ts';
import type { ComparisonOperator } from './ast.ts';

export type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

export function kindOf(value: unknown): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'object';
  }
}

export function isTruthy(value: unknown): boolean {
  return !(value === false || value === 0 || value === '' || value === null);
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

export function compare(operator: ComparisonOperator, left: unknown, right: unknown): boolean {
  switch (operator) {
    case '==':
      return isScalar(left) && left === right;
    case '!=':
      return !(isScalar(left) && left === right);
  }
  const comparable =
    (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) return false;
  const l = left as number | string;
  const r = right as number | string;
  switch (operator) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
  }
}

/** Deep JSON equality, as `States.ArrayContains` compares elements. */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return false;
  if (kind === 'array') {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((item, i) => jsonEquals(item, y[i]));
  }
  if (kind === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = Object.keys(x);
    return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && jsonEquals(x[k], y[k]));
  }
  return false;
}

/**
 * `contains(haystack, needle)`: a substring test on a string, a membership
 * test (deep equality, as `States.ArrayContains`) on an array. A substring
 * test needs a string literal to look for (`literalNeedle`): Step Functions
 * can only match a string against a pattern written in the state machine.
 */
export function contains(haystack: unknown, needle: unknown, literalNeedle: boolean): boolean {
  if (typeof haystack === 'string') {
    if (typeof needle !== 'string' || !literalNeedle) {
      throw new ExpressionError(
        `contains() on a string needs a string literal to look for ('...'), got ${literalNeedle ? describe(needle) : 'a value computed at run time'}`,
      );
    }
    return haystack.includes(needle);
  }
  if (Array.isArray(haystack)) return haystack.some((item) => jsonEquals(item, needle));
  throw new ExpressionError(`contains() needs a string or an array, got ${describe(haystack)}`);
}

export function startsWith(text: unknown, prefix: unknown): boolean {
  return requireStrings('startsWith', text, prefix) && (text as string).startsWith(prefix as string);
}

export function endsWith(text: unknown, suffix: unknown): boolean {
  return requireStrings('endsWith', text, suffix) && (text as string).endsWith(suffix as string);
}

/** `length(array)`: arrays only, as `States.ArrayLength`. */
export function length(value: unknown): number {
  if (!Array.isArray(value)) throw new ExpressionError(`length() counts the elements of an array, got ${describe(value)}`);
  return value.length;
}

/** A value as `States.Format` writes it into a string. */
export function formatValue(value: unknown): string {
  if (isScalar(value)) return String(value);
  throw new ExpressionError(
    `cannot put ${describe(value)} into a string (States.Format takes strings, numbers, booleans and null); use a whole \${{ }} to pass it on as it is`,
  );
}

function requireStrings(name: string, a: unknown, b: unknown): true {
  if (typeof a !== 'string' || typeof b !== 'string') {
    throw new ExpressionError(`${name}() compares two strings, got ${describe(a)} and ${describe(b)}`);
  }
  return true;
}

export function describe(value: unknown): string {
  const kind = kindOf(value);
  if (kind === 'array' || kind === 'object') return `an ${kind}`;
  return `${kind === 'null' ? '' : `the ${kind} `}${JSON.stringify(value)}`;
}
