/**
 * The vocabulary of Baton's expression language: the context roots an
 * expression may start from, the functions it may call, and the diagnostic
 * codes of the BTN4xx range. The parser checks names against these lists and
 * both backends read the same lists, so adding a function means touching this
 * file and the two backends, nothing else.
 */
import { Codes } from '../diagnostics.ts';

/** Diagnostic codes of the expression range (the one list is compiler/diagnostics.ts). Tests check these, not the wording. */
export const ExprCodes = {
  /** The text is not an expression (bad token, missing `)`, unterminated string or `${{`). */
  Syntax: Codes.ExprSyntax,
  /** An identifier at the root that is not one of `CONTEXTS`. */
  UnknownContext: Codes.UnknownContext,
  /** A call to a function that does not exist, or with the wrong number of arguments. */
  UnknownFunction: Codes.UnknownFunction,
  /** Valid expression, but the ASL target cannot compute it (the message says what to do instead). */
  NotRepresentable: Codes.NotRepresentable,
} as const;

/**
 * The roots an expression may start from. `result` exists only in a step's
 * `outputs` map (evaluated over that step's result); which roots are allowed
 * where is the compiler's rule, not the parser's.
 */
export const CONTEXTS: ReadonlySet<string> = new Set([
  'inputs',
  'steps',
  'item',
  'index',
  'run',
  'trigger',
  'error',
  'secrets',
  'result',
]);

export type FunctionName = 'contains' | 'startsWith' | 'endsWith' | 'length' | 'success' | 'failure' | 'always';

/** Every function and its arity (all are fixed-arity). */
export const FUNCTIONS: Readonly<Record<FunctionName, number>> = {
  contains: 2,
  startsWith: 2,
  endsWith: 2,
  length: 1,
  success: 0,
  failure: 0,
  always: 0,
};

/** The step-status functions: they only mean something in an `if:` condition. */
export const STATUS_FUNCTIONS: ReadonlySet<string> = new Set(['success', 'failure', 'always']);

export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

/** A call the parser accepted (known name, right number of arguments); the backends skip the others, already reported. */
export function isValidCall(call: { name: string; args: unknown[] }): boolean {
  return isFunctionName(call.name) && call.args.length === FUNCTIONS[call.name];
}
