import type { core } from 'zod';
import { Codes, MAX_DIAGNOSTICS, type Diagnostic } from './diagnostics.ts';
import { emitMachine, type EmitResult } from './emit/machine.ts';
import { buildModel, stepHandlers, type Workflow } from './model.ts';
import { MAX_STATE_NAME } from './names.ts';
import { parseSource, type ParsedSource, type Position } from './parse.ts';
import { planWorkflow, type Plan } from './plan.ts';
import { rules } from './rules/index.ts';
import { suggest } from './rules/references.ts';
import { StepSchema, WorkflowSchema, type WorkflowDoc } from './schema.ts';
import type { ExprDiagnostic } from './expr/index.ts';

/** Step Functions' limits that the whole definition can break. */
export { MAX_STATE_NAME };
export const MAX_DEFINITION_BYTES = 1024 * 1024;

export interface Graph {
  nodes: Array<{ id: string; kind: string; handler: boolean; description?: string }>;
  edges: Array<{ from: string; to: string; kind: 'needs' | 'on_failure' | 'on_timeout' | 'compensate' }>;
}

export interface CompileResult {
  /** The ASL definition; present only when there is no error. */
  asl?: Record<string, unknown>;
  /** The Lambdas and child workflows the definition's placeholders stand for. */
  resources?: Pick<EmitResult, 'lambdas' | 'workflows'>;
  workflow?: Workflow;
  plan?: Plan;
  graph: Graph;
  diagnostics: Diagnostic[];
  /**
   * Where the value at a data path (`['steps', 'lint', 'function']`) is written,
   * for checks that run after the compiler and report in the same terms (the
   * function files and child workflows a definition names, checked by the CLI).
   * `'key'` points at the key. Unknown paths point at their nearest written parent.
   */
  locate(path: ReadonlyArray<string | number>, at?: 'key' | 'value'): Position;
}

/** Rule diagnostics that leave the model too broken to emit. */
const STRUCTURAL: ReadonlySet<string> = new Set([Codes.Cycle, Codes.UnknownStep, Codes.SelfReference, Codes.StepKind, Codes.HandlerMisuse, Codes.InvalidStateName, Codes.ExpressionTooLong]);

type Report = (path: ReadonlyArray<string | number>, code: string, message: string, where?: 'key' | 'value') => void;

/**
 * Compiles one workflow file to Amazon States Language. Pure: no I/O. Never
 * throws for a user's mistake: every problem comes back as a located diagnostic,
 * all of them at once (up to MAX_DIAGNOSTICS). Takes the file's text, or its
 * bytes (then a file that is not UTF-8 is a located diagnostic too).
 */
export function compile(input: string | Uint8Array): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const parsed = parseSource(input);
  const { source } = parsed;
  const locate = (path: ReadonlyArray<string | number>, where: 'key' | 'value' = 'value') => source.locate(path, where);
  const finish = (result: Omit<CompileResult, 'diagnostics' | 'locate'>): CompileResult => ({ ...result, diagnostics: dedupe(diagnostics), locate });
  const emptyGraph: Graph = { nodes: [], edges: [] };

  diagnostics.push(...parsed.diagnostics);
  if (parsed.diagnostics.length > 0) return finish({ graph: emptyGraph });
  const at: Report = (path, code, message, where = 'value') => diagnostics.push({ code, message, severity: 'error', ...source.locate(path, where) });

  if (source.data === null || source.data === undefined) {
    at([], Codes.EmptyDocument, 'the file is empty: a workflow needs at least a name and steps');
    return finish({ graph: emptyGraph });
  }
  if (typeof source.data !== 'object' || Array.isArray(source.data)) {
    at([], Codes.NotAMapping, 'a workflow is a mapping with name, steps and the other keys of docs/language.md');
    return finish({ graph: emptyGraph });
  }

  const checked = WorkflowSchema.safeParse(source.data);
  if (!checked.success) {
    for (const issue of checked.error.issues) reportIssue(issue, [], source.data, at);
    // Still run the rules over what the schema accepts, so that one run reports
    // a misspelt `promt` and the missing prompt it leaves behind.
    const salvaged = salvage(source.data as Record<string, unknown>, checked.error.issues);
    if (salvaged) {
      const report: Report = (path, ...rest) => {
        if (!salvaged.mute(path)) at(path, ...rest);
      };
      for (const rule of rules) rule({ doc: salvaged.doc, model: buildModel(salvaged.doc), report });
    }
    return finish({ graph: emptyGraph });
  }
  const doc = checked.data;
  const workflow = buildModel(doc);
  const graph = graphOf(workflow);
  const ruleErrors = diagnostics.length;
  for (const rule of rules) rule({ doc, model: workflow, report: at });
  const structural = diagnostics.slice(ruleErrors).some((d) => STRUCTURAL.has(d.code));
  if (structural) return finish({ graph, workflow });

  const plan = planWorkflow(workflow);
  const emitted = emitMachine(workflow, plan, {
    at,
    expression: (path, d) => diagnostics.push(expressionDiagnostic(source, path, d)),
  });
  for (const name of emitted.stateNames) {
    if (name.length > MAX_STATE_NAME) {
      const id = name.split('.')[0];
      at(workflow.steps.has(id) ? ['steps', id] : [], Codes.StateNameTooLong, `state name '${name}' is ${name.length} characters; Step Functions allows ${MAX_STATE_NAME}: shorten the step id`, 'key');
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(emitted.asl));
  if (bytes > MAX_DEFINITION_BYTES) {
    at(['name'], Codes.DefinitionTooLarge, `the compiled definition is ${bytes} bytes; Step Functions allows ${MAX_DEFINITION_BYTES}: split the workflow into sub-workflows`);
  }
  const ok = diagnostics.every((d) => d.severity !== 'error');
  return finish({
    asl: ok ? emitted.asl : undefined,
    resources: ok ? { lambdas: emitted.lambdas, workflows: emitted.workflows } : undefined,
    workflow,
    plan,
    graph,
  });
}

/** The steps and their edges, for `baton graph` and for tools. */
export function graphOf(workflow: Workflow): Graph {
  const nodes = [...workflow.steps.values()].map((s) => ({ id: s.id, kind: s.kind, handler: s.handler, description: s.description }));
  const edges: Graph['edges'] = [];
  for (const step of workflow.steps.values()) {
    for (const need of step.needs) if (workflow.steps.has(need)) edges.push({ from: need, to: step.id, kind: 'needs' });
    for (const ref of stepHandlers(step)) if (workflow.steps.has(ref.target)) edges.push({ from: step.id, to: ref.target, kind: ref.key });
  }
  return { nodes, edges };
}

/**
 * One zod issue as located diagnostics. `base` is the path of the union an issue
 * came from (zod gives a union's branch issues relative to the union).
 */
function reportIssue(issue: core.$ZodIssue, base: Array<string | number>, data: unknown, at: Report) {
  const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))] as Array<string | number>;
  const dotted = path.length > 0 ? path.join('.') : 'the workflow';
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) at([...path, key], Codes.UnknownKey, `unknown key '${key}' in ${dotted}${suggest(key, knownKeys(issue, path))}`, 'key');
    return;
  }
  if (issue.code === 'invalid_type' && valueAt(data, path) === undefined) {
    at(path.slice(0, -1), Codes.MissingKey, `${dotted} is required`, 'key');
    return;
  }
  if (issue.code === 'invalid_union') {
    // When the value has the type of exactly one form (an object for retry's long
    // form, a list for needs), the user meant that form: report what is wrong inside it.
    const meant = issue.errors.filter((branch) => !branch.every(isTypeMismatch));
    if (meant.length === 1 && meant[0].every((inner) => inner.path.length > 0 || inner.code === 'unrecognized_keys')) {
      for (const inner of meant[0]) reportIssue(inner, path, data, at);
      return;
    }
  }
  at(path, Codes.InvalidValue, `${dotted}: ${describeIssue(issue, path)}`);
}

/** A union branch that failed only because the value is not of its type. */
function isTypeMismatch(issue: core.$ZodIssue): boolean {
  if (issue.path.length > 0) return false;
  if (issue.code === 'invalid_type') return true;
  return issue.code === 'invalid_union' && issue.errors.every((branch) => branch.every(isTypeMismatch));
}

/** What the keys that take one of several forms take, said once for every way of getting them wrong. */
const FORMS: Record<string, string> = {
  needs: 'must be a step id or a non-empty list of step ids',
  retry: 'takes a number of attempts (1-100) or { max_attempts, interval, backoff, max_interval, jitter, on }',
  for_each: 'takes an expression that gives a list (${{ steps.plan.outputs.items }}) or a list written out',
  timeout: 'takes a duration: 90s, 15m, 2h, 1d or a whole number of seconds',
  interval: 'takes a duration: 90s, 15m, 2h, 1d or a whole number of seconds',
  max_interval: 'takes a duration: 90s, 15m, 2h, 1d or a whole number of seconds',
  wait: 'takes a duration (30s, 5m, 2h, 1d, or seconds) or { until: <expression giving a timestamp> }',
  if: 'takes an expression (${{ inputs.deploy }}) or true/false',
  outputs: 'takes a list of result fields to keep, or a map of name → expression',
  expect: 'takes a list of status codes (200) and ranges (200-299)',
};

/** The form message for a value at `path` (or inside it: `needs.1`), when `path` is one of the keys of FORMS in its place. */
function formAt(path: Array<string | number>): string | undefined {
  let end = path.length;
  while (end > 0 && typeof path[end - 1] === 'number') end--;
  const p = path.slice(0, end).map(String);
  const step = p[0] === 'steps' && p.length >= 3;
  const key = p.at(-1)!;
  const known =
    (step && p.length === 3 && ['needs', 'retry', 'for_each', 'timeout', 'wait', 'if', 'outputs'].includes(key)) ||
    (p[0] === 'defaults' && p.length === 2 && ['timeout', 'retry'].includes(key)) ||
    (((step && p.length === 4 && p[2] === 'retry') || (p[0] === 'defaults' && p[1] === 'retry' && p.length === 3)) && ['interval', 'max_interval'].includes(key)) ||
    (step && p.length === 4 && p[2] === 'approval' && key === 'timeout') ||
    (step && p.length === 4 && p[2] === 'http' && key === 'expect');
  return known ? FORMS[key] : undefined;
}

function describeIssue(issue: core.$ZodIssue, path: Array<string | number>): string {
  const form = formAt(path);
  if (form) return form;
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'is not any of the forms this key takes (see docs/language.md)';
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'set' ? `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}` : issue.origin === 'string' ? 'cannot be empty' : `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'set' ? `takes at most ${issue.maximum} items` : issue.origin === 'string' ? `is longer than ${issue.maximum} characters` : `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be a whole number' : issue.message.replace(/^Invalid input: /, '');
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/** The keys a strict object knows, for a near-miss suggestion on an unknown key. */
function knownKeys(issue: core.$ZodIssue, path: Array<string | number>): string[] {
  const shape = shapeAt(path);
  return shape ? Object.keys(shape).filter((k) => !(issue.code === 'unrecognized_keys' && issue.keys.includes(k))) : [];
}

function shapeAt(path: Array<string | number>): Record<string, unknown> | undefined {
  const step = path[0] === 'steps' && path.length >= 2;
  if (path.length === 0) return WorkflowSchema.shape;
  if (step && path.length === 2) return StepSchema.shape;
  if ((step && path.length === 3 && path[2] === 'retry') || (path[0] === 'defaults' && path[1] === 'retry' && path.length === 2)) return RETRY_KEYS;
  return undefined;
}

const RETRY_KEYS = { max_attempts: 1, interval: 1, backoff: 1, max_interval: 1, jitter: 1, on: 1 };

/**
 * The document with what the schema refused taken out, so the rules can run over
 * the rest: unknown keys are dropped; a step's bad key is dropped and the rules'
 * findings inside that step muted (its shape is in doubt); a bad agent becomes an
 * echo agent (so steps naming it are not "unknown agent"); any other bad top-level
 * key is dropped. Undefined when what is left still does not fit the schema.
 */
function salvage(data: Record<string, unknown>, issues: core.$ZodIssue[]): { doc: WorkflowDoc; mute(path: ReadonlyArray<string | number>): boolean } | undefined {
  const copy = structuredClone(data) as Record<string, any>;
  const muted = new Set<string>();
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as Array<string | number>;
    if (issue.code === 'unrecognized_keys') {
      const holder = valueAt(copy, path);
      if (holder && typeof holder === 'object') for (const key of issue.keys) delete (holder as Record<string, unknown>)[key];
      continue;
    }
    const [top, name, key] = path;
    if (top === undefined || (top === 'steps' && name === undefined)) return undefined;
    if (top === 'steps') {
      muted.add(String(name));
      const step = copy.steps[name];
      if (key === undefined || step === null || typeof step !== 'object' || Array.isArray(step)) copy.steps[name] = {};
      else delete step[key];
    } else if (top === 'agents' && name !== undefined && copy.agents && typeof copy.agents === 'object') {
      copy.agents[name] = { provider: 'echo' };
    } else if (top === 'name') {
      copy.name = 'workflow';
    } else {
      delete copy[top];
    }
  }
  const again = WorkflowSchema.safeParse(copy);
  if (!again.success) return undefined;
  return { doc: again.data, mute: (path) => path[0] === 'steps' && muted.has(String(path[1])) };
}

function valueAt(data: unknown, path: Array<string | number>): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** An expression problem points inside the string when the string sits on one line of the source. */
function expressionDiagnostic(source: ParsedSource, path: ReadonlyArray<string | number>, d: ExprDiagnostic): Diagnostic {
  const start = source.scalarStart(path);
  const position = start && !start.block ? { line: start.position.line, column: start.position.column + d.offset } : source.locate(path);
  return { code: d.code, message: d.message, severity: 'error', ...position };
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.line}:${d.column}:${d.code}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  out.sort((a, b) => a.line - b.line || a.column - b.column);
  if (out.length > MAX_DIAGNOSTICS) {
    const left = out.length - MAX_DIAGNOSTICS;
    return [...out.slice(0, MAX_DIAGNOSTICS), { code: Codes.TooManyProblems, severity: 'error', message: `${left} more problems not shown`, line: out[MAX_DIAGNOSTICS].line, column: out[MAX_DIAGNOSTICS].column }];
  }
  return out;
}
