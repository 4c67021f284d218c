/**
 * The dependency barrier (docs/compiler.md, "Exact dependencies"): a step in a
 * part of the graph that is not series-parallel waits, on a task token, for its
 * needs on other chains (`<id>.needs`); each of those needs, when it ends, counts
 * itself in the waiter's barrier with its view of the run. Whichever write
 * completes a registered barrier releases the waiter, exactly once (see
 * store/barriers.ts), with the views of its needs merged into its state.
 */
import { barrierCounter, type ControlEventOf, type RunContext, type StepRecord } from '../../../compiler/contract/index.ts';
import { NeedsNotMetError } from '../errors.ts';
import type { CheckpointStore } from '../store/index.ts';
import type { BarrierState } from '../store/records.ts';
import type { TaskTokens } from '../task-tokens.ts';

export interface BarrierDeps {
  store: CheckpointStore;
  tokens: TaskTokens;
}

type Steps = Record<string, StepRecord>;

interface Waiter {
  token: string;
  needs: string[];
  state: { steps: Steps; [key: string]: unknown };
  /** Release with NeedsNotMet unless every need ended well (`tolerate`: failed is well too). */
  require?: { tolerate: string[] };
}

/** `<id>.needs`: registers the waiter; releases it at once if its needs have all ended already. */
export async function waitForNeeds(event: ControlEventOf<'barrier.wait'>, deps: BarrierDeps): Promise<{ waiting: boolean }> {
  const run = event.state.run;
  const waiter: Waiter = { token: event.token, needs: event.needs, state: event.state, ...(event.require ? { require: event.require } : {}) };
  const barrier = await deps.store.barriers.register(run.id, barrierCounter(run.attempt, event.step), waiter);
  const complete = event.needs.every((n) => barrier.ended.includes(n));
  if (complete) await release(event.step, waiter, barrier, deps);
  return { waiting: !complete };
}

/**
 * Tells each of `dependents` that `step` has ended, with the step's view of the
 * run (`steps`, its own record included). Repeating it is harmless.
 */
export async function signalDependents(deps: BarrierDeps, run: RunContext, step: string, steps: Steps, dependents: string[]): Promise<void> {
  await Promise.all(
    dependents.map(async (dependent) => {
      const barrier = await deps.store.barriers.signal(run.id, barrierCounter(run.attempt, dependent), step, steps);
      const waiter = barrier?.waiter as Waiter | undefined;
      if (barrier && waiter && waiter.needs.every((n) => barrier.ended.includes(n))) await release(dependent, waiter, barrier, deps);
    }),
  );
}

/** `<id>.signal`: the end of steps whose end is not a Lambda call that signals itself. */
export async function signal(event: ControlEventOf<'barrier.signal'>, deps: BarrierDeps): Promise<Record<string, never>> {
  for (const { step, dependents } of event.signals) await signalDependents(deps, event.run, step, event.steps, dependents);
  return {};
}

/**
 * A tree branch's cascade (`<first>+.skip-rest`): the listed steps without a record are
 * skipped; then every listed step with dependents on other chains tells them.
 * Answers the new `steps`.
 */
export async function skipSteps(event: ControlEventOf<'steps.skip'>, deps: BarrierDeps): Promise<Steps> {
  const steps: Steps = { ...event.steps };
  for (const id of event.skip) {
    if (steps[id] !== undefined) continue;
    const declared = event.outputs?.[id];
    steps[id] = { status: 'skipped', outputs: declared ? Object.fromEntries(declared.map((name) => [name, null])) : null };
  }
  for (const { step, dependents } of event.signals ?? []) await signalDependents(deps, event.run, step, steps, dependents);
  return steps;
}

/**
 * Sends the waiting step its state, with what each of its needs had seen merged
 * in: a need's view holds its own record and those of all its ancestors, so the
 * merge holds every ancestor of the waiting step.
 */
async function release(step: string, waiter: Waiter, barrier: BarrierState, deps: BarrierDeps): Promise<void> {
  const steps: Steps = Object.assign({ ...waiter.state.steps }, ...waiter.needs.map((n) => (barrier.views[n] ?? {}) as Steps));
  if (waiter.require) {
    const tolerate = new Set(waiter.require.tolerate);
    const unmet = waiter.needs.filter((n) => {
      const status = steps[n]?.status;
      return !(status === 'succeeded' || (status === 'failed' && tolerate.has(n)));
    });
    if (unmet.length > 0) {
      const error = new NeedsNotMetError(step, unmet);
      await deps.tokens.sendFailure(waiter.token, error.name, error.message);
      return;
    }
  }
  // The barrier releases each waiter exactly once, so the waiter may be woken first.
  await deps.tokens.sendSuccess(waiter.token, { ...waiter.state, steps }, { wakeFirst: true });
}
