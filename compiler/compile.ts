import type { core } from 'zod';
import { Codes, MAX_DIAGNOSTICS, type Diagnostic } from './diagnostics.ts';
import { emitMachine, type EmitResult } from './emit/machine.ts';
import { buildModel, stepHandlers, type Workflow } from './model.ts';
import { parseSource, type ParsedSource } from './parse.ts';
import { planWorkflow, type Plan } from './plan.ts';
import { rules } from './rules/index.ts';
import { WorkflowSchema } from './schema.ts';
import type { ExprDiagnostic } from './expr/index.ts';

/** Step Functions' limits that the whole definition can break. */
export const MAX_STATE_NAME = 80;
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
}

/**
 * Compiles one workflow file to Amazon States Language. Pure: no I/O. Never
 * throws for a user's mistake: every problem comes back as a located diagnostic,
 * all of them at once (up to MAX_DIAGNOSTICS).
 */
export function compile(text: string): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const finish = (result: Omit<CompileResult, 'diagnostics'>): CompileResult => ({ ...result, diagnostics: dedupe(diagnostics) });
  const emptyGraph: Graph = { nodes: [], edges: [] };

  const parsed = parseSource(text);
  diagnostics.push(...parsed.diagnostics);
  if (parsed.diagnostics.length > 0) return finish({ graph: emptyGraph });
  const { source } = parsed;
  const at = (path: ReadonlyArray<string | number>, code: string, message: string, where: 'key' | 'value' = 'value') =>
    diagnostics.push({ code, message, severity: 'error', ...source.locate(path, where) });

  if (source.data === null || source.data === undefined) {
    at([], Codes.EmptyDocument, 'the file is empty: a workflow needs at least a name and steps');
    return finish({ graph: emptyGraph });
  }
  if (typeof source.data !== 'object' || Array.isArray(source.data)) {
    at([], Codes.NotAMapping, 'a workflow is a mapping with name, steps and the other keys of DSL.md');
    return finish({ graph: emptyGraph });
  }

  const checked = WorkflowSchema.safeParse(source.data);
  if (!checked.success) {
    for (const issue of checked.error.issues) reportIssue(issue, source.data, at);
    return finish({ graph: emptyGraph });
  }
  const doc = checked.data;
  const workflow = buildModel(doc);
  const graph = graphOf(workflow);
  const ruleErrors = diagnostics.length;
  for (const rule of rules) rule({ doc, model: workflow, report: at });
  const structural = diagnostics.slice(ruleErrors).some((d) => d.code === Codes.Cycle || d.code === Codes.UnknownStep || d.code === Codes.SelfReference || d.code === Codes.StepKind || d.code === Codes.HandlerMisuse);
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

function reportIssue(issue: core.$ZodIssue, data: unknown, at: (path: ReadonlyArray<string | number>, code: string, message: string, where?: 'key' | 'value') => void) {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as Array<string | number>;
  const dotted = path.length > 0 ? path.join('.') : 'the workflow';
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) at([...path, key], Codes.UnknownKey, `unknown key '${key}' in ${dotted}`, 'key');
    return;
  }
  if (issue.code === 'invalid_type' && valueAt(data, path) === undefined) {
    at(path.slice(0, -1), Codes.MissingKey, `${dotted} is required`, 'key');
    return;
  }
  at(path, Codes.InvalidValue, `${dotted}: ${describeIssue(issue)}`);
}

function describeIssue(issue: core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_union') return 'is not any of the forms this key takes (see docs/language.md)';
  return issue.message.replace(/^Invalid input: /, '');
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
