/**
 * One step's flow: an optional barrier wait (`<id>.needs`), its condition
 * (`<id>.if`, `<id>.when`), its kind's states, and what happens when it fails
 * (`<id>.failed`, `<id>.timed-out`, its handler) or is skipped (`<id>.skip`).
 *
 * A step is emitted in one of two modes (docs/compiler.md, "The flow"):
 * - `fast`: reached only when every step before it ended as its condition
 *   wants, so a step without `if` needs no Choice at all, and a step that does
 *   not run leaves the flow by `exits.cascade`, which skips what follows;
 * - `guarded`: reached whatever happened before; a Choice reads its needs'
 *   statuses. Used from a step whose `if` names a status function on.
 */
import { ErrorNames, handlerCheckpointIntrinsic, handlerInstance, type Dependents } from '../contract/index.ts';
import { compileCondition, toJsonPath, type ChoiceRule } from '../expr/index.ts';
import { acceptedStatuses, and, nullOutputs, or, skippedRecord, statusIs, type EmitContext, type Instance } from './context.ts';
import { emitKind, signalsItself } from './kinds.ts';
import { signalEvent, waitEvent } from './payloads.ts';
import { stepSet, type StepSet } from './scope.ts';
import { transientRetrier } from './retry.ts';
import { choice, pass, refersTo, task, type Catcher, type Fragment, type State, type States } from './states.ts';
import { LAMBDA_INVOKE_WAIT_FOR_TOKEN } from '../contract/index.ts';

export type Mode = 'fast' | 'guarded';

/** Where a step goes when it ends: `ok` when it ended as its dependents want, `cascade` when not. In guarded mode both are the same. */
export interface Exits {
  ok: string | undefined;
  cascade: string | undefined;
}

/** A step inside a `tree` block: the needs it waits for (all but its tree parent), and the dependents it tells (all but its tree children). */
export interface Barrier {
  waitFor: string[];
  dependents?: Dependents;
}

const WHEN_PATH = '$.when';

/** A main-flow step under its own id. */
export function emitStep(ctx: EmitContext, id: string, mode: Mode, exits: Exits, barrier?: Barrier): Fragment {
  const step = ctx.step(id);
  const plan = ctx.plan;
  const visible: StepSet = { has: (a) => plan.isAncestor(a, id), list: () => plan.ancestorsOf(id) };
  return emitInstance(
    ctx,
    { step, name: id, checkpoint: id, scope: { where: `step '${id}'`, visible, forEach: step.forEach !== undefined }, resultPath: toJsonPath('steps', [id]), yaml: ['steps', id] },
    mode,
    exits,
    barrier,
  );
}

export function emitInstance(ctx: EmitContext, instance: Instance, mode: Mode, exits: Exits, barrier?: Barrier): Fragment {
  const { step, name } = instance;
  const states: States = {};
  const dependents = barrier?.dependents;
  const signal = (next: string | undefined): string | undefined => {
    if (!dependents) return next;
    const signalName = ctx.claim(`${name}.signal`);
    states[signalName] = signalState(ctx, [{ step: step.id, dependents }], next);
    return signalName;
  };

  // ---- when it fails: record it, tell the dependents, run the handler, go on.
  const afterFailure = step.continueOnError || mode === 'guarded' ? exits.ok : exits.cascade;
  // In fast mode a failure that cascades is told to the dependents by the chain's cascade.
  const tellFailure = (next: string | undefined) => (step.continueOnError || mode === 'guarded' ? signal(next) : next);
  // Failure states are kept only if something can reach them: a plain `wait`
  // cannot fail, and Step Functions refuses a definition with unreachable states.
  const failure: States = {};
  const catchers: Catcher[] = [];
  let timedOut: string | undefined;
  if (step.onTimeout !== undefined) {
    timedOut = ctx.claim(`${name}.timed-out`);
    catchers.push({ ErrorEquals: [ErrorNames.StepTimeout], ResultPath: instance.resultPath, Next: timedOut });
    const handler = emitHandler(ctx, step.onTimeout, instance, afterFailure);
    Object.assign(failure, handler.states);
    failure[timedOut] = failedRecord(instance, tellFailure(handler.startAt));
  }
  const failed = ctx.claim(`${name}.failed`);
  catchers.push({ ErrorEquals: ['States.ALL'], ResultPath: instance.resultPath, Next: failed });
  let handlerStart = afterFailure;
  if (step.onFailure !== undefined) {
    const handler = emitHandler(ctx, step.onFailure, instance, afterFailure);
    Object.assign(failure, handler.states);
    handlerStart = handler.startAt;
  }
  failure[failed] = failedRecord(instance, tellFailure(handlerStart));

  // ---- the step itself; on success it tells its dependents (itself, when its success is one Lambda call).
  const direct = dependents !== undefined && signalsItself(ctx, step);
  const main = emitKind(ctx, instance, catchers, direct ? exits.ok : signal(exits.ok), direct ? dependents : undefined);
  Object.assign(states, main.states);
  const waitsBehindBarrier = barrier !== undefined && barrier.waitFor.length > 0;
  if (waitsBehindBarrier || refersTo(main.states, failed) || (timedOut !== undefined && refersTo(main.states, timedOut))) {
    Object.assign(states, failure);
  } else {
    for (const unused of Object.keys(failure)) ctx.unclaim(unused);
  }

  // ---- whether it runs.
  const condition = conditionOf(ctx, instance, mode);
  let entry = main.startAt;
  if (condition.rule !== true) {
    // Skipped by its condition: its own record, then on as after a failure (in fast mode the cascade).
    const skipTo = ctx.claim(`${name}.skip`);
    states[skipTo] = pass({ comment: `${name} is skipped.`, result: skippedRecord(step), resultPath: instance.resultPath, next: mode === 'fast' ? exits.cascade : signal(exits.ok) });
    if (condition.rule === false) {
      entry = skipTo!;
    } else {
      const whenName = ctx.claim(`${name}.when`);
      states[whenName] = choice({ choices: [{ ...condition.rule, Next: main.startAt }], default: skipTo! });
      entry = whenName;
      if (Object.keys(condition.prelude).length > 0) {
        const evalName = ctx.claim(`${name}.if`);
        states[evalName] = pass({ comment: `Computes what the condition of ${name} needs.`, parameters: condition.prelude, resultPath: WHEN_PATH, next: whenName });
        entry = evalName;
      }
    }
  }

  // ---- behind a barrier: first wait for the needs other than the tree parent.
  if (barrier && waitsBehindBarrier) {
    const waitName = ctx.claim(`${name}.needs`);
    const tolerate = barrier.waitFor.filter((n) => ctx.step(n).continueOnError);
    const waitCatchers: Catcher[] = [];
    if (mode === 'fast') waitCatchers.push({ ErrorEquals: [ErrorNames.NeedsNotMet], ResultPath: null, Next: exits.cascade! });
    waitCatchers.push({ ErrorEquals: ['States.ALL'], ResultPath: instance.resultPath, Next: failed });
    states[waitName] = task({
      resource: LAMBDA_INVOKE_WAIT_FOR_TOKEN,
      parameters: { FunctionName: ctx.lambda({ kind: 'control' }), Payload: waitEvent(step.id, barrier.waitFor, mode === 'fast' ? { tolerate } : undefined) },
      retry: [transientRetrier()],
      catch: waitCatchers,
      next: entry,
    });
    entry = waitName;
  }
  return { startAt: entry, states };
}

/** `status: failed` with Step Functions' caught error, and declared outputs as nulls. */
function failedRecord(instance: Instance, next: string | undefined): State {
  return pass({ parameters: { status: 'failed', outputs: nullOutputs(instance.step), 'error.$': instance.resultPath }, resultPath: instance.resultPath, next });
}

export function signalState(ctx: EmitContext, signals: Array<{ step: string; dependents: Dependents }>, next: string | undefined): State {
  return task({
    comment: `Tells the steps waiting on ${signals.map((s) => s.step).join(', ')} that ${signals.length === 1 ? 'it has' : 'they have'} ended.`,
    resource: ctx.lambda({ kind: 'control' }),
    parameters: signalEvent(signals),
    resultPath: null,
    retry: [transientRetrier()],
    next,
  });
}

/** A handler called by `caller` (on_failure/on_timeout): it sees `error`, and what its caller sees. */
function emitHandler(ctx: EmitContext, handlerId: string, caller: Instance, next: string | undefined): Fragment {
  const step = ctx.step(handlerId);
  const name = handlerInstance(handlerId, caller.name, ctx.sharedHandler(handlerId));
  const callerVisible = caller.scope.visible;
  const visible: StepSet = { has: (a) => a === caller.step.id || callerVisible.has(a), list: () => [...callerVisible.list(), caller.step.id] };
  return emitInstance(
    ctx,
    {
      step,
      name,
      checkpoint: { path: handlerCheckpointIntrinsic(name) },
      scope: { where: `handler '${handlerId}'`, visible, forEach: false, errorFrom: caller.step.id },
      resultPath: toJsonPath('steps', [handlerId]),
      yaml: ['steps', handlerId],
    },
    'guarded',
    { ok: next, cascade: next },
  );
}

/** A compensation: one handler instance, chosen at run time (`$.compensation`). */
export function emitCompensation(ctx: EmitContext, handlerId: string, callers: string[]): Fragment {
  const step = ctx.step(handlerId);
  const visible = stepSet(callers.flatMap((c) => [c, ...ctx.plan.ancestorsOf(c)]));
  return emitInstance(
    ctx,
    {
      step,
      name: handlerId,
      checkpoint: { path: '$.compensation.instance' },
      scope: { where: `compensation '${handlerId}'`, visible, forEach: false },
      resultPath: toJsonPath('steps', [handlerId]),
      yaml: ['steps', handlerId],
    },
    'guarded',
    { ok: undefined, cascade: undefined },
  );
}

/**
 * The step's condition as one Choice rule, or a constant. In fast mode its needs
 * are known to have ended well, so only its own `if` is left; in guarded mode
 * `success() &&` (the needs' statuses) is part of the rule.
 */
function conditionOf(ctx: EmitContext, instance: Instance, mode: Mode): { rule: ChoiceRule | boolean; prelude: Record<string, string> } {
  const { step } = instance;
  const success =
    mode === 'fast' ? true : and(step.needs.filter((n) => ctx.workflow.steps.has(n)).map((need) => statusIs(need, acceptedStatuses(ctx.step(need)))));
  const failure = () => or(instance.scope.visible.list().map((a) => statusIs(a, ['failed'])));
  const written = step.condition;
  if (written === undefined || written === true) return { rule: success, prelude: {} };
  if (written === false) return { rule: false, prelude: {} };
  const compiled = compileCondition(written, resolverOf(ctx, instance), {
    status: (fn) => (fn === 'success' ? success : failure()),
    tempPath: WHEN_PATH,
  });
  for (const d of compiled.diagnostics) ctx.report.expression([...instance.yaml, 'if'], d);
  if (compiled.rule === undefined) return { rule: success, prelude: {} };
  return { rule: compiled.usesStatusFunction ? compiled.rule : and([success, compiled.rule]), prelude: compiled.prelude };
}

function resolverOf(ctx: EmitContext, instance: Instance) {
  return ctx.sink(instance.scope, instance.yaml).resolve;
}
