import { Codes } from '../diagnostics.ts';
import { lambdaKey, placeholder, stateMachineKey, type LambdaRole } from '../contract/index.ts';
import { toJsonPath, usesStatusFunction, type ChoiceRule, type ExprDiagnostic } from '../expr/index.ts';
import { declaredOutputs, type Step, type Workflow } from '../model.ts';
import type { Plan } from '../plan.ts';
import { resolverFor, type Scope } from './scope.ts';
import type { ValueSink, YamlPath } from './values.ts';

export interface EmitReporter {
  /** A problem at a path of the workflow document. */
  at(path: YamlPath, code: string, message: string): void;
  /** An expression problem inside the string at `path`. */
  expression(path: YamlPath, diagnostic: ExprDiagnostic): void;
}

/** A step's states, and how it is called: the step itself, a handler for one caller, or a compensation. */
export interface Instance {
  step: Step;
  /** The name of its main state (its states are `<name>.<role>`). */
  name: string;
  /** Its checkpoint id; a JSONPath or intrinsic when chosen at run time (handlers, compensations). */
  checkpoint: string | { path: string };
  scope: Scope;
  /** Where its record `{ status, outputs, error }` goes in the state data. */
  resultPath: string;
  yaml: YamlPath;
}

/** The state data every state sees: `{ inputs, run, trigger, steps }` (plus `item`, `index` inside a for_each). */
export const BASE_SELECTOR = { 'inputs.$': '$.inputs', 'run.$': '$.run', 'trigger.$': '$.trigger', 'steps.$': '$.steps' };

/**
 * What every part of the emitter shares: the checked workflow and its plan, the
 * state names taken so far, the Lambdas and child workflows the definition calls
 * (for `CompileResult.resources`), and where problems go.
 */
export class EmitContext {
  readonly workflow: Workflow;
  readonly plan: Plan;
  readonly report: EmitReporter;
  readonly lambdas: Record<string, LambdaRole> = {};
  readonly workflows: Record<string, string> = {};
  private readonly names = new Set<string>();
  private readonly handlerUses = new Map<string, number>();
  private readonly fileKeys = new Map<string, string>();

  constructor(workflow: Workflow, plan: Plan, report: EmitReporter) {
    this.workflow = workflow;
    this.plan = plan;
    this.report = report;
    for (const step of workflow.steps.values()) {
      for (const target of [step.onFailure, step.onTimeout, step.compensate]) {
        if (target !== undefined) this.handlerUses.set(target, (this.handlerUses.get(target) ?? 0) + 1);
      }
    }
  }

  step(id: string): Step {
    return this.workflow.steps.get(id)!;
  }

  /** Takes a state name, or the same name with `#2`, `#3`… when a name is reused. */
  claim(name: string): string {
    let candidate = name;
    for (let n = 2; this.names.has(candidate); n++) candidate = `${name}#${n}`;
    this.names.add(candidate);
    return candidate;
  }

  /** Gives back a name taken for a state that turned out not to be needed. */
  unclaim(name: string): void {
    this.names.delete(name);
  }

  /** Every state name, for the limit on their length. */
  stateNames(): string[] {
    return [...this.names];
  }

  /** The placeholder of a Lambda role, registered for the deployment. Function files whose keys collide get `_2`, `_3`. */
  lambda(role: LambdaRole): string {
    let key = lambdaKey(role);
    if (role.kind === 'function') {
      const known = this.fileKeys.get(role.file);
      if (known) return placeholder(known);
      const base = key;
      for (let n = 2; key in this.lambdas; n++) key = `${base}_${n}`;
      this.fileKeys.set(role.file, key);
    }
    this.lambdas[key] = role;
    return placeholder(key);
  }

  /** The placeholder of a child workflow's state machine, registered for the deployment. */
  childWorkflow(name: string): string {
    const key = stateMachineKey(name);
    this.workflows[key] = name;
    return placeholder(key);
  }

  /** Whether a handler serves several callers (then each call is its own instance). */
  sharedHandler(id: string): boolean {
    return (this.handlerUses.get(id) ?? 0) > 1;
  }

  /** A step whose `if` names a status function: it may run after a failure (docs/compiler.md, "The flow"). */
  rescuer(id: string): boolean {
    const condition = this.step(id).condition;
    return typeof condition === 'string' && usesStatusFunction(condition);
  }

  /** Where a value's templates resolve and report; `noSecrets` refuses `secrets.X` (values that enter the state data). */
  sink(scope: Scope, at: YamlPath, noSecrets?: string): ValueSink {
    const resolve = resolverFor(this.workflow, scope);
    const report = this.report;
    return {
      resolve: noSecrets ? (ref) => (ref.root === 'secrets' ? { error: { code: Codes.NotRepresentable, message: noSecrets } } : resolve(ref)) : resolve,
      report: (path, d) => report.expression(path.length > 0 ? path : at, d),
      templates: [],
      secrets: false,
    };
  }
}

// ---- Choice rules over step records --------------------------------------------

export function statusIs(step: string, statuses: string[]): ChoiceRule {
  const variable = toJsonPath('steps', [step, 'status']);
  const rules = statuses.map((s) => ({ Variable: variable, StringEquals: s }));
  return rules.length === 1 ? rules[0] : { Or: rules };
}

/** The statuses of `need` that let a step that needs it run: `failed` too with continue_on_error. */
export function acceptedStatuses(need: Step): string[] {
  return need.continueOnError ? ['succeeded', 'failed'] : ['succeeded'];
}

export function and(rules: Array<ChoiceRule | boolean>): ChoiceRule | boolean {
  if (rules.some((r) => r === false)) return false;
  const real = rules.filter((r): r is ChoiceRule => r !== true);
  if (real.length === 0) return true;
  return real.length === 1 ? real[0] : { And: real };
}

export function or(rules: Array<ChoiceRule | boolean>): ChoiceRule | boolean {
  if (rules.some((r) => r === true)) return true;
  const real = rules.filter((r): r is ChoiceRule => r !== false);
  if (real.length === 0) return false;
  return real.length === 1 ? real[0] : { Or: real };
}

/** Declared outputs as nulls, so `steps.x.outputs.field` exists even when x was skipped or failed. */
export function nullOutputs(step: Step): unknown {
  const names = declaredOutputs(step);
  if (names === undefined || step.forEach !== undefined) return null;
  return Object.fromEntries(names.map((n) => [n, null]));
}

/** The record of a step that did not run. */
export function skippedRecord(step: Step): Record<string, unknown> {
  return { status: 'skipped', outputs: nullOutputs(step) };
}
