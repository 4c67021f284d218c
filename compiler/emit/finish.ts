/**
 * The run's start and end: `run.start` checks and records the run; the main
 * flow's ok exit goes straight to `run.succeeded`, its cascade exit to
 * `run.check` (did a step fail?). A failed run records its error, runs the
 * compensations of the steps that had succeeded, newest first (a saga), and
 * fails with the first step's error at `run.fail`: a Task, not a Fail state, so
 * that a redrive, which re-enters the state that failed, starts the flow over
 * from `run.start` and the checkpoints skip what had succeeded.
 */
import type { ControlEventOf } from '../contract/index.ts';
import { stepHandlers } from '../model.ts';
import { or, statusIs, BASE_SELECTOR, type EmitContext } from './context.ts';
import type { Parameters } from './payloads.ts';
import { transientRetrier } from './retry.ts';
import { stepSet } from './scope.ts';
import { emitCompensation } from './step-flow.ts';
import { choice, map, succeed, task, type Fragment, type States } from './states.ts';
import { parameterObject, type YamlPath } from './values.ts';
import type { ChoiceRule } from '../expr/index.ts';

/** The run's first state; a redriven failed run comes back to it. */
export const RUN_START = 'run.start';

export function emitStart(ctx: EmitContext, next: string): Fragment {
  const name = ctx.claim(RUN_START);
  const event: Parameters<ControlEventOf<'run.start'>> = { kind: 'run.start', 'state.$': '$', inputs: ctx.workflow.inputs, 'execution.$': '$$.Execution.Id' };
  return {
    startAt: name,
    states: {
      [name]: task({
        comment: 'Checks the inputs if nobody has, applies their defaults, and records the run as running.',
        resource: ctx.lambda({ kind: 'control' }),
        parameters: event,
        retry: [transientRetrier()],
        next,
      }),
    },
  };
}

/** `run.succeeded`, and `run.check` when some step can fail the run. */
export function emitFinish(ctx: EmitContext, start: string): { succeeded: string; check: string; states: States } {
  const wf = ctx.workflow;
  const states: States = {};
  const succeeded = ctx.claim('run.succeeded');
  const outputsAt: YamlPath = ['outputs'];
  const sink = ctx.sink({ where: "the run's outputs", visible: stepSet(wf.regular), forEach: false }, outputsAt, "the run's outputs cannot hold a secret: outputs are stored and shown");
  const outputs = parameterObject(wf.outputs, outputsAt, ['outputs'], sink);
  const waits = wf.regular.filter((id) => ctx.step(id).kind === 'wait' && ctx.step(id).forEach === undefined);
  const event: Parameters<ControlEventOf<'run.succeeded'>> = {
    kind: 'run.succeeded',
    'run.$': '$.run',
    'steps.$': '$.steps',
    outputs,
    ...(sink.templates.length > 0 ? { templates: sink.templates } : {}),
    ...(waits.length > 0 ? { waits } : {}),
  };
  states[succeeded] = task({
    comment: 'Records the run as succeeded and returns its outputs.',
    resource: ctx.lambda({ kind: 'control' }),
    parameters: event,
    retry: [transientRetrier()],
    next: undefined,
  });
  const failing = wf.regular.filter((id) => !ctx.step(id).continueOnError);
  if (failing.length === 0) return { succeeded, check: succeeded, states };

  const check = ctx.claim('run.check');
  const failed = ctx.claim('run.failed');
  const failState = ctx.claim('run.fail');
  const compensated = Object.fromEntries(wf.regular.filter((id) => ctx.step(id).compensate).map((id) => [id, ctx.step(id).compensate!]));
  const compensations = Object.keys(compensated).length > 0 ? emitCompensations(ctx, failState) : undefined;
  states[check] = choice({
    comment: 'Did a step fail?',
    choices: [{ ...(or(failing.map((id) => statusIs(id, ['failed']))) as ChoiceRule), Next: failed }],
    default: succeeded,
  });
  const failedEvent: Parameters<ControlEventOf<'run.failed'>> = { kind: 'run.failed', 'run.$': '$.run', 'steps.$': '$.steps', failing, compensations: compensated, ...(waits.length > 0 ? { waits } : {}) };
  states[failed] = task({
    comment: 'Records the run as failed; lists the compensations to run, newest first.',
    resource: ctx.lambda({ kind: 'control' }),
    parameters: failedEvent,
    resultPath: '$.failure',
    retry: [transientRetrier()],
    next: compensations?.startAt ?? failState,
  });
  Object.assign(states, compensations?.states);
  const failEvent: Parameters<ControlEventOf<'run.fail'>> = {
    kind: 'run.fail',
    'inputs.$': '$.inputs',
    'run.$': '$.run',
    'trigger.$': '$.trigger',
    'error.$': '$.failure.error',
    'redrive_count.$': '$$.Execution.RedriveCount',
  };
  // No Retry: the error it throws is the failed step's, which may be one a
  // transient retrier matches.
  states[failState] = task({
    comment: "Fails the run with the error of the step that failed. Redriven, it starts the run's flow over.",
    resource: ctx.lambda({ kind: 'control' }),
    parameters: failEvent,
    next: start,
  });
  return { succeeded, check, states };
}

/** Compensations run one at a time, newest completion first (a saga); one failing does not stop the others. */
function emitCompensations(ctx: EmitContext, next: string): Fragment {
  const wf = ctx.workflow;
  const name = ctx.claim('run.compensate');
  const which = ctx.claim('run.compensate.which');
  const handlers = [...new Set(wf.regular.flatMap((id) => stepHandlers(ctx.step(id)).filter((h) => h.key === 'compensate').map((h) => h.target)))];
  const inner: States = {};
  const choices: Array<Record<string, unknown>> = [];
  for (const handlerId of handlers) {
    const callers = wf.regular.filter((id) => ctx.step(id).compensate === handlerId);
    const fragment = emitCompensation(ctx, handlerId, callers);
    Object.assign(inner, fragment.states);
    choices.push({ Variable: '$.compensation.handler', StringEquals: handlerId, Next: fragment.startAt });
  }
  const done = ctx.claim('run.compensate.none');
  inner[done] = succeed();
  inner[which] = choice({ comment: 'Which compensation is this?', choices, default: done });
  return {
    startAt: name,
    states: {
      [name]: map({
        comment: 'Runs the compensations of the steps that had succeeded, newest first.',
        itemsPath: '$.failure.compensations',
        itemSelector: { ...BASE_SELECTOR, 'compensation.$': '$$.Map.Item.Value' },
        maxConcurrency: 1,
        processor: { startAt: which, states: inner },
        resultPath: null,
        next,
      }),
    },
  };
}
