import type { RunContext } from '../contract.ts';
import { InputInvalidError, StepAlreadySucceededError } from '../errors.ts';
import type { CheckpointStore } from '../store.ts';
import type { StepKey } from '../store-records.ts';
import type { TaskTokens } from '../task-tokens.ts';
import { checkInputs, type InputSpec } from './inputs.ts';

/**
 * The run's own Task states (`run.start`, `run.succeeded`/`run.failed`, and the
 * dependency barrier's `<id>.needs`/`<id>.signal`): bookkeeping the state machine
 * asks of the control Lambda. Steps' work is in invoke-step.ts.
 */
export interface ControlDeps {
  store: CheckpointStore;
  tokens: TaskTokens;
  now?: () => Date;
}

/** The state data every state sees. */
export interface RunState {
  inputs: Record<string, unknown>;
  run: RunContext & { parent?: string };
  trigger: unknown;
  steps: Record<string, StepState>;
  [key: string]: unknown;
}

export interface StepState {
  status: 'succeeded' | 'failed' | 'skipped' | 'running';
  outputs?: unknown;
  error?: { Error: string; Cause?: string };
}

export type ControlPayload =
  | { kind: 'run.start'; workflow: string; state: RunState; inputs: Record<string, InputSpec> }
  | { kind: 'run.finish'; workflow: string; run: RunContext; status: 'succeeded'; steps: Record<string, StepState>; outputs?: unknown }
  | { kind: 'run.finish'; workflow: string; run: RunContext; status: 'failed'; steps: Record<string, StepState>; failing: string[]; compensations?: Record<string, string> }
  | { kind: 'barrier.wait'; workflow: string; run: RunContext; step: string; needs: string[]; token: string; state: RunState }
  | { kind: 'barrier.done'; workflow: string; run: RunContext; step: string; steps: Record<string, StepState>; dependents: Array<{ step: string; needs: number }> };

export interface Compensation {
  step: string;
  handler: string;
  /** The handler's checkpoint id for this call. */
  instance: string;
}

/** Runs one control request; returns what the Task state's Lambda returns. */
export async function runControl(payload: ControlPayload, deps: ControlDeps): Promise<unknown> {
  switch (payload.kind) {
    case 'run.start':
      return startRun(payload, deps);
    case 'run.finish':
      return payload.status === 'succeeded' ? finishSucceeded(payload, deps) : finishFailed(payload, deps);
    case 'barrier.wait':
      return waitForNeeds(payload, deps);
    case 'barrier.done':
      return signalDone(payload, deps);
  }
}

/** Checks the inputs and applies their defaults; records the run as running (creating it for a child run). */
async function startRun(payload: Extract<ControlPayload, { kind: 'run.start' }>, deps: ControlDeps): Promise<RunState> {
  const { state } = payload;
  const parent = parentStep(state.run);
  if (parent) await beginParentStep(parent, deps);
  const checked = checkInputs(payload.inputs, state.inputs);
  if (checked.problems.length > 0) {
    const error = new InputInvalidError(checked.problems.join('; '));
    if (parent) await deps.store.failStep(parent.runId, parent.key, { name: error.name, message: error.message });
    throw error;
  }
  const existing = await deps.store.getRun(state.run.id);
  if (!existing) {
    await deps.store.createRun({ run_id: state.run.id, workflow: payload.workflow, inputs: checked.inputs, trigger: state.trigger ?? undefined, status: 'running', started_at: state.run.started_at });
  } else if (existing.status !== 'running') {
    await deps.store.updateRun(state.run.id, { status: 'running', error: null, ended_at: null });
  }
  return { ...state, inputs: checked.inputs, trigger: state.trigger ?? null, steps: state.steps ?? {} };
}

async function finishSucceeded(payload: Extract<ControlPayload, { kind: 'run.finish'; status: 'succeeded' }>, deps: ControlDeps) {
  await recordSkipped(payload.run.id, payload.steps, deps);
  const now = (deps.now ?? (() => new Date()))().toISOString();
  await deps.store.updateRun(payload.run.id, { status: 'succeeded', outputs: payload.outputs ?? {}, error: null, ended_at: now });
  const parent = parentStep(payload.run);
  if (parent) await succeedParentStep(parent, payload.outputs ?? {}, deps);
  return { outputs: payload.outputs ?? {} };
}

/**
 * Finds the error the run fails with (the first failing step to finish), and the
 * compensations to run: those of steps that had succeeded, newest completion first.
 */
async function finishFailed(payload: Extract<ControlPayload, { kind: 'run.finish'; status: 'failed' }>, deps: ControlDeps) {
  await recordSkipped(payload.run.id, payload.steps, deps);
  const checkpoints = await deps.store.listSteps(payload.run.id);
  const endedAt = new Map<string, string>();
  for (const c of checkpoints) {
    if (c.ended_at && (endedAt.get(c.step) ?? '') < c.ended_at) endedAt.set(c.step, c.ended_at);
  }
  const failed = payload.failing.filter((id) => payload.steps[id]?.status === 'failed');
  failed.sort((a, b) => (endedAt.get(a) ?? '~').localeCompare(endedAt.get(b) ?? '~'));
  const step = failed[0];
  const raw = step ? payload.steps[step].error : undefined;
  const error = { Error: raw?.Error ?? 'Baton.RunFailed', Cause: raw?.Cause ?? 'a step failed' };

  const compensations: Compensation[] = [];
  const uses = new Map<string, number>();
  for (const handler of Object.values(payload.compensations ?? {})) uses.set(handler, (uses.get(handler) ?? 0) + 1);
  for (const [id, handler] of Object.entries(payload.compensations ?? {})) {
    if (payload.steps[id]?.status !== 'succeeded') continue;
    // One checkpoint per execution: a resumed run that fails again compensates again.
    compensations.push({ step: id, handler, instance: `${uses.get(handler)! > 1 ? `${handler}.from-${id}` : handler}@${payload.run.attempt}` });
  }
  compensations.sort((a, b) => (endedAt.get(b.step) ?? '').localeCompare(endedAt.get(a.step) ?? ''));
  // What is compensated counts as undone: a resume runs those steps (every item of a for_each) again.
  const undone = new Set(compensations.map((c) => c.step));
  await Promise.all(checkpoints.filter((c) => undone.has(c.step)).map((c) => deps.store.markCompensated(payload.run.id, { step: c.step, index: c.index })));

  const now = (deps.now ?? (() => new Date()))().toISOString();
  await deps.store.updateRun(payload.run.id, { status: 'failed', error: { step, name: error.Error, cause: plainCause(error.Cause) }, ended_at: now });
  const parent = parentStep(payload.run);
  if (parent) await deps.store.failStep(parent.runId, parent.key, { name: error.Error, message: plainCause(error.Cause) });
  return { error, compensations };
}

// ---- a child run and its parent's step ----------------------------------------

/**
 * A `workflow:` step is a `startExecution.sync` task: no Lambda of the parent runs
 * for it, so the child's own start and finish write the parent's step checkpoint
 * (status, attempts, outputs), as invoke-step does for every other kind. A child's
 * run id is `<parent>.<step>[.<index>]` (step ids hold no dots).
 */
export function parentStep(run: RunContext & { parent?: string }): { runId: string; key: StepKey } | undefined {
  if (!run.parent || !run.id.startsWith(`${run.parent}.`)) return undefined;
  const [step, index, extra] = run.id.slice(run.parent.length + 1).split('.');
  if (!step || extra !== undefined || (index !== undefined && !/^\d+$/.test(index))) return undefined;
  return { runId: run.parent, key: index === undefined ? { step } : { step, index: Number(index) } };
}

async function beginParentStep(parent: { runId: string; key: StepKey }, deps: ControlDeps) {
  try {
    await deps.store.beginAttempt(parent.runId, parent.key);
  } catch (error) {
    // The step already succeeded (a resumed parent re-running its child): it stays so.
    if (!(error instanceof StepAlreadySucceededError)) throw error;
  }
}

async function succeedParentStep(parent: { runId: string; key: StepKey }, outputs: unknown, deps: ControlDeps) {
  const attempt = (await deps.store.getStep(parent.runId, parent.key))?.attempts ?? 1;
  try {
    await deps.store.succeedStep(parent.runId, parent.key, { result: outputs, attempt });
  } catch (error) {
    if (!(error instanceof StepAlreadySucceededError)) throw error;
  }
}

/** Steps skipped by a Choice never reach a Lambda; the run's end records them. */
async function recordSkipped(runId: string, steps: Record<string, StepState>, deps: ControlDeps) {
  await Promise.all(
    Object.entries(steps)
      .filter(([, s]) => s?.status === 'skipped')
      .map(([id]) => deps.store.setStepStatus(runId, { step: id }, 'skipped')),
  );
}

/** Lambda's Cause is `{"errorType","errorMessage","trace"}`; the run record keeps the message. */
export function plainCause(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: a Step Functions cause such as a timeout's
  }
  return cause;
}

// ---- the dependency barrier (see docs/compiler.md, "Exact dependencies") ------

const counter = (run: RunContext, step: string) => ({ runId: run.id, name: `${run.attempt}#${step}` });

interface Waiter {
  state: RunState;
  needs: string[];
}

/**
 * A step in a part of the graph that is not series-parallel registers its task
 * token; it is released as soon as its own needs have signalled.
 */
async function waitForNeeds(payload: Extract<ControlPayload, { kind: 'barrier.wait' }>, deps: ControlDeps) {
  const { run, step } = payload;
  const waiter: Waiter = { state: payload.state, needs: payload.needs };
  // Registering the token and reading the count is one atomic update: either this
  // sees 0 (every need signalled before) and releases, or the last need's signal
  // sees the token and releases. Never both, never neither.
  const { remaining } = await deps.store.setCounterToken(counter(run, step), payload.token, payload.needs.length, waiter);
  if (remaining <= 0) await release(run, payload.token, waiter, deps);
  return { waiting: remaining > 0 };
}

async function signalDone(payload: Extract<ControlPayload, { kind: 'barrier.done' }>, deps: ControlDeps) {
  const { run } = payload;
  // The step's view of the run (its own result and everything before it) is
  // written before any counter moves, so a released step finds it.
  await deps.store.putValue(run.id, `SIGNAL#${run.attempt}#${payload.step}`, payload.steps);
  await Promise.all(
    payload.dependents.map(async (dependent) => {
      const { remaining, token, waiter } = await deps.store.decrementCounter(counter(run, dependent.step), dependent.needs);
      if (remaining === 0 && token) await release(run, token, waiter as Waiter, deps);
    }),
  );
  return {};
}

/**
 * Sends the waiting step its state with what each of its needs had seen merged
 * in: a need's `steps` holds its own result and those of all its ancestors, so
 * the merge holds every ancestor of the waiting step.
 */
async function release(run: RunContext, token: string, waiter: Waiter, deps: ControlDeps) {
  const signals = await Promise.all(waiter.needs.map((n) => deps.store.getValue(run.id, `SIGNAL#${run.attempt}#${n}`)));
  const steps = Object.assign({ ...waiter.state.steps }, ...signals.map((s) => (s ?? {}) as Record<string, StepState>));
  // The counter releases each waiter exactly once, so the waiter may be woken first.
  await deps.tokens.sendSuccess(token, { ...waiter.state, steps }, { wakeFirst: true });
}
