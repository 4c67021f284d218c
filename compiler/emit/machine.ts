import type { ExprDiagnostic } from '../expr/index.ts';
import type { LambdaRole } from '../contract/index.ts';
import type { Workflow } from '../model.ts';
import type { Plan } from '../plan.ts';
import { EmitContext, type EmitReporter } from './context.ts';
import { emitFinish, emitStart, RUN_START } from './finish.ts';
import { emitMainFlow } from './layout.ts';
import type { States } from './states.ts';
import type { YamlPath } from './values.ts';

export type { EmitReporter };

export interface EmitResult {
  asl: Record<string, unknown>;
  /** Placeholder key → the Lambda it stands for. */
  lambdas: Record<string, LambdaRole>;
  /** Child workflows this one starts (placeholder key → workflow name). */
  workflows: Record<string, string>;
  /** Every state name, for the limit on their length. */
  stateNames: string[];
}

/**
 * Emits the ASL of a checked, planned workflow: `run.start`, the main flow
 * (layout.ts, one step's states in step-flow.ts, each kind's in kinds.ts), and
 * the run's end (finish.ts). State names are step ids, helper states
 * `<id>.<role>`; descriptions become Comments.
 */
export function emitMachine(workflow: Workflow, plan: Plan, report: EmitReporter): EmitResult {
  const ctx = new EmitContext(workflow, plan, report);
  const states: States = {};
  const finish = emitFinish(ctx, RUN_START);
  const body = plan.root ? emitMainFlow(ctx, plan.root, { ok: finish.succeeded, cascade: finish.check }) : undefined;
  const start = emitStart(ctx, body?.startAt ?? finish.succeeded);
  Object.assign(states, start.states, body?.states, finish.states);
  const asl: Record<string, unknown> = {
    Comment: workflow.description?.trim() ?? `Baton workflow ${workflow.name}`,
    StartAt: start.startAt,
    States: inFlowOrder(start.startAt, states),
  };
  return { asl, lambdas: ctx.lambdas, workflows: ctx.workflows, stateNames: ctx.stateNames() };
}

export type { ExprDiagnostic, YamlPath };

/**
 * The states in the order a run meets them (depth first from StartAt, Choices
 * and Catches after Next... in the order written), nested branches too, so the
 * JSON reads top to bottom like the workflow file. Iterative: a chain of
 * thousands of steps is as deep as it is long.
 */
function inFlowOrder(startAt: string, states: States): States {
  const ordered: States = {};
  const stack = [startAt];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (name in ordered || !(name in states)) continue;
    const state = { ...states[name] };
    ordered[name] = state;
    if (Array.isArray(state.Branches)) {
      state.Branches = (state.Branches as Array<{ StartAt: string; States: States }>).map((b) => ({ StartAt: b.StartAt, States: inFlowOrder(b.StartAt, b.States) }));
    }
    if (state.ItemProcessor) {
      const p = state.ItemProcessor as { ProcessorConfig: unknown; StartAt: string; States: States };
      state.ItemProcessor = { ...p, States: inFlowOrder(p.StartAt, p.States) };
    }
    const successors = [
      ...((state.Choices as Array<{ Next: string }> | undefined) ?? []).map((c) => c.Next),
      ...(typeof state.Next === 'string' ? [state.Next] : []),
      ...(typeof state.Default === 'string' ? [state.Default] : []),
      ...((state.Catch as Array<{ Next: string }> | undefined) ?? []).map((c) => c.Next),
    ];
    // Pushed in reverse, so the first successor is visited first.
    for (let i = successors.length - 1; i >= 0; i--) stack.push(successors[i]);
  }
  for (const name of Object.keys(states)) if (!(name in ordered)) ordered[name] = states[name];
  return ordered;
}
