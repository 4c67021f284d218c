/**
 * Runs one data-driven expression case through both backends: the
 * JavaScript evaluator, and the ASL compiler followed by a real run of the
 * generated state machine on aws-local-stepfunctions (after asl-validator
 * has accepted it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import { compileCondition, compileTemplate, toJsonPath } from '../../../compiler/expr/index.ts';
import type { ChoiceRule, CompiledValue, ExprDiagnostic, Reference, Resolved, ValueType } from '../../../compiler/expr/index.ts';
import { compiledEntry } from '../../../compiler/emit/values.ts';
import { isTemplate, renderTemplate } from '../../../functions/runtime/templates.ts';
import { Redactor } from '../../../functions/runtime/redact.ts';
import { EnvSecrets } from '../../../functions/runtime/secrets.ts';

export interface ExprCase {
  /** One expression, used as a whole value: `${{ expr }}`. */
  expr?: string;
  /** A string with `${{ }}` parts. */
  template?: string;
  /** An `if:` condition. */
  if?: string;
  data?: Record<string, unknown>;
  /** Both backends give this. */
  result?: unknown;
  /** Both backends fail at run time. */
  error?: boolean;
  /** The ASL compiler reports this code (and the JavaScript backend throws, unless `result` says what it gives). */
  code?: string;
  /** Offset of that diagnostic, within `expr`, `template` or `if`. */
  offset?: number;
  /** Type hints the resolver gives, by dotted path: `{ "inputs.list": "array" }`. */
  types?: Record<string, ValueType>;
  /** What success() and failure() are. Default: success. */
  status?: { success: boolean; failure: boolean };
  /** The ASL the compiler must produce (a CompiledValue, or a condition's `{ rule, prelude }`). */
  compiled?: unknown;
  /** Why the local engine cannot run this case (a known difference from AWS); JavaScript is still checked. */
  skipAsl?: string;
}

export interface CaseGroup {
  group: string;
  cases: ExprCase[];
}

export function loadGroups(folder: string): CaseGroup[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ group: file.replace(/\.json$/, ''), cases: JSON.parse(readFileSync(join(folder, file), 'utf8')) as ExprCase[] }));
}

export function caseTitle(c: ExprCase): string {
  const text = c.expr ?? c.template ?? c.if ?? '';
  const kind = c.expr !== undefined ? 'expr' : c.template !== undefined ? 'template' : 'if';
  const outcome = c.code ? c.code : c.error ? 'error' : JSON.stringify(c.result);
  return `${kind} ${JSON.stringify(text)} → ${outcome}`;
}

/** The text given to the compiler, and how far the case's offsets are from it. */
export function caseText(c: ExprCase): { text: string; shift: number } {
  if (c.expr !== undefined) return { text: `\${{ ${c.expr} }}`, shift: 4 };
  return { text: c.template ?? c.if ?? '', shift: 0 };
}

/** The test resolver: every root maps to its JSONPath in `{ inputs, steps, item, ... }`; `secrets.X` is a secret. */
export function testResolver(types: Record<string, ValueType> = {}) {
  return (ref: Reference): Resolved => {
    if (ref.root === 'secrets') return { secret: String(ref.path[0]) };
    const key = [ref.root, ...ref.path].join('.');
    return { path: toJsonPath(ref.root, ref.path), ...(types[key] ? { type: types[key] } : {}) };
  };
}

export const STATUS_PATH = '$.status';

export const conditionOptions = {
  status: (fn: 'success' | 'failure'): ChoiceRule => ({ Variable: `${STATUS_PATH}.${fn}`, BooleanEquals: true }),
  tempPath: '$.when',
};

export type AslOutcome =
  | { kind: 'diagnostics'; diagnostics: ExprDiagnostic[] }
  | { kind: 'compiled'; compiled: unknown; definition?: Record<string, unknown>; constant?: boolean };

/** Compiles a case with the ASL backend and builds the state machine that computes it. */
export function compileCase(c: ExprCase): AslOutcome {
  const { text } = caseText(c);
  const resolve = testResolver(c.types);
  if (c.if !== undefined) {
    const { rule, prelude, diagnostics } = compileCondition(text, resolve, conditionOptions);
    if (diagnostics.length > 0 || rule === undefined) return { kind: 'diagnostics', diagnostics };
    const compiled = { rule, prelude };
    if (typeof rule === 'boolean') return { kind: 'compiled', compiled, constant: rule };
    return { kind: 'compiled', compiled, definition: conditionMachine(rule, prelude) };
  }
  const { value, diagnostics } = compileTemplate(text, resolve);
  if (!value) return { kind: 'diagnostics', diagnostics };
  const secret = value.kind === 'template' && value.parts.some((part) => 'secret' in part);
  return { kind: 'compiled', compiled: value, definition: secret ? undefined : valueMachine(value) };
}

/**
 * A Pass that computes the value. A template travels as the runtime's template
 * object: Step Functions resolves its arguments, the runtime (runMachine) joins it.
 */
function valueMachine(value: CompiledValue): Record<string, unknown> {
  let parameters: Record<string, unknown>;
  if (value.kind === 'literal') parameters = { v: value.value };
  else if (value.kind === 'template') {
    const sink = { resolve: testResolver(), report: () => {}, templates: [], secrets: false };
    parameters = Object.fromEntries([compiledEntry('v', value, ['v'], sink)]);
  } else parameters = { 'v.$': value.kind === 'path' ? value.path : value.expr };
  return { StartAt: 'Value', States: { Value: { Type: 'Pass', Parameters: parameters, End: true } } };
}

function conditionMachine(rule: ChoiceRule, prelude: Record<string, string>): Record<string, unknown> {
  const hasPrelude = Object.keys(prelude).length > 0;
  return {
    StartAt: hasPrelude ? 'Prelude' : 'Decide',
    States: {
      ...(hasPrelude ? { Prelude: { Type: 'Pass', Parameters: prelude, ResultPath: conditionOptions.tempPath, Next: 'Decide' } } : {}),
      Decide: { Type: 'Choice', Choices: [{ ...rule, Next: 'Yes' }], Default: 'No' },
      // Result objects, not bare booleans: the local engine ignores `Result: false`.
      Yes: { Type: 'Pass', Result: { v: true }, End: true },
      No: { Type: 'Pass', Result: { v: false }, End: true },
    },
  };
}

/**
 * asl-validator's verdict on many state machines at once (it compiles its
 * JSON schemas on every call, about 0.1 s): each becomes one branch of a
 * Parallel state, its states renamed `<i>.<name>` to stay unique. Returns
 * the reasons, each naming the branch it comes from.
 */
export function validateAll(definitions: Array<Record<string, unknown>>): string[] {
  const branches = definitions.map((definition, i) => prefixStates(definition, `${i}.`));
  const combined = { StartAt: 'All', States: { All: { Type: 'Parallel', Branches: branches, End: true } } };
  const { isValid, errors } = aslValidator(combined as never);
  return isValid ? [] : errors.map((error) => JSON.stringify(error));
}

function prefixStates(definition: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const rename = (name: unknown) => `${prefix}${String(name)}`;
  const states = Object.entries(definition.States as Record<string, Record<string, unknown>>).map(([name, state]) => {
    const renamed: Record<string, unknown> = { ...state };
    if (state.Next) renamed.Next = rename(state.Next);
    if (state.Default) renamed.Default = rename(state.Default);
    if (Array.isArray(state.Choices)) renamed.Choices = state.Choices.map((choice: Record<string, unknown>) => ({ ...choice, Next: rename(choice.Next) }));
    return [rename(name), renamed];
  });
  return { StartAt: rename(definition.StartAt), States: Object.fromEntries(states) };
}

/** Runs a generated state machine over the case's data; resolves with `v` of its output. */
export async function runMachine(definition: Record<string, unknown>, c: ExprCase): Promise<unknown> {
  const input = { ...(c.data ?? {}), status: c.status ?? { success: true, failure: false } };
  // validateAll has checked the definition with asl-validator 4; the engine's own (older, slow) check adds nothing.
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { noValidate: true } });
  const output = (await machine.run(input).result) as { v: unknown };
  return isTemplate(output.v) ? renderTemplate(output.v, new EnvSecrets({}), new Redactor()) : output.v;
}
