/**
 * The run's own start and end (`run.start`, `run.succeeded`, `run.failed`), and
 * the bookkeeping of a child run's step in its parent.
 */
import { handlerCheckpoint, handlerInstance, parentStepOf, type ControlEventOf, type RunContext, type RunState, type StepRecord } from '../../../compiler/contract/index.ts';
import { BatonError, InputInvalidError, StepAlreadySucceededError } from '../errors.ts';
import { Redactor } from '../redact.ts';
import type { SecretResolver } from '../secrets.ts';
import type { CheckpointStore, StepKey } from '../store/index.ts';
import { resolveTemplates } from '../templates.ts';
import { checkInputs } from './inputs.ts';

export interface RunDeps {
  store: CheckpointStore;
  secrets: SecretResolver;
  now?: () => Date;
}

type Steps = Record<string, StepRecord>;

export interface Compensation {
  step: string;
  handler: string;
  /** The handler's checkpoint id for this call. */
  instance: string;
}

/**
 * Records the run as running and answers the state the flow starts with. The
 * inputs are checked here only if nobody did before, that is when no run record
 * exists yet: a child run, or an execution started from the console. A starter
 * (the API, `baton run`) checks them and writes the record first.
 */
export async function startRun(event: ControlEventOf<'run.start'>, deps: RunDeps): Promise<RunState> {
  const state = await resolveTemplates(event.state, event.state.templates as never, deps.secrets, new Redactor());
  const run = state.run;
  const parent = parentOf(run);
  if (parent) await beginParentStep(parent, deps);
  const existing = await deps.store.runs.get(run.id);
  let inputs = state.inputs;
  if (!existing) {
    const checked = checkInputs(event.inputs, state.inputs);
    if (checked.problems.length > 0) {
      const error = new InputInvalidError(checked.problems.join('; '));
      if (parent) await deps.store.steps.fail(parent.runId, parent.key, { name: error.name, message: error.message });
      throw error;
    }
    inputs = checked.inputs;
    await deps.store.runs.create({ run_id: run.id, workflow: run.workflow, inputs, trigger: state.trigger ?? undefined, status: 'running', started_at: run.started_at, execution_arn: event.execution });
  } else {
    inputs = existing.inputs;
    if (existing.status !== 'running' || existing.execution_arn !== event.execution) {
      await deps.store.runs.update(run.id, { status: 'running', error: null, ended_at: null, execution_arn: event.execution });
    }
  }
  const { templates: _, ...rest } = state as RunState & { templates?: unknown };
  return { ...rest, inputs, trigger: state.trigger ?? null, steps: state.steps ?? {} };
}

/**
 * `run.fail`: the failed run's last state. It throws the run's error (the step's
 * own name and cause, so the execution fails as the step did). Re-entered by a
 * redrive of that execution (its redrive count is past the one the flow last
 * started at), it answers the state the flow starts over with instead: a new
 * attempt, so barriers and handlers start fresh, with no step records, so every
 * step asks its checkpoint again; `run.start` records the run as running.
 */
export function failRun(event: ControlEventOf<'run.fail'>): RunState {
  if (event.redrive_count > (event.run.redriven ?? 0)) {
    return { inputs: event.inputs, run: { ...event.run, attempt: event.run.attempt + 1, redriven: event.redrive_count }, trigger: event.trigger ?? null, steps: {} };
  }
  const error = new BatonError(event.error.Error, event.error.Cause);
  // What the console shows as the cause: the step's error, not this function's stack.
  error.stack = `${error.name}: ${error.message}`;
  throw error;
}

/** `run.succeeded`: records the outputs, settles what never ran, and answers `{ outputs }` (the execution's output). */
export async function finishSucceeded(event: ControlEventOf<'run.succeeded'>, deps: RunDeps): Promise<{ outputs: unknown }> {
  const outputs = (await resolveTemplates({ outputs: event.outputs ?? {} }, event.templates, deps.secrets, new Redactor())).outputs;
  await settleSteps(event.run.id, event.steps, deps, event.waits);
  await deps.store.runs.update(event.run.id, { status: 'succeeded', outputs, error: null, ended_at: timestamp(deps) });
  const parent = parentOf(event.run);
  if (parent) await succeedParentStep(parent, outputs, deps);
  return { outputs };
}

/**
 * `run.failed`: finds the error the run fails with (the first failing step to
 * finish), and the compensations to run: those of steps that had succeeded,
 * newest completion first.
 */
export async function finishFailed(event: ControlEventOf<'run.failed'>, deps: RunDeps) {
  const runId = event.run.id;
  await settleSteps(runId, event.steps, deps, event.waits);
  const checkpoints = await deps.store.steps.list(runId);
  const endedAt = new Map<string, string>();
  for (const c of checkpoints) if (c.ended_at && (endedAt.get(c.step) ?? '') < c.ended_at) endedAt.set(c.step, c.ended_at);
  const failed = event.failing.filter((id) => event.steps[id]?.status === 'failed');
  failed.sort((a, b) => (endedAt.get(a) ?? '~').localeCompare(endedAt.get(b) ?? '~'));
  const step = failed[0];
  const raw = step ? event.steps[step].error : undefined;
  const error = { Error: raw?.Error ?? 'Baton.RunFailed', Cause: raw?.Cause ?? 'a step failed' };

  const compensations: Compensation[] = [];
  const uses = new Map<string, number>();
  for (const handler of Object.values(event.compensations)) uses.set(handler, (uses.get(handler) ?? 0) + 1);
  for (const [id, handler] of Object.entries(event.compensations)) {
    if (event.steps[id]?.status !== 'succeeded') continue;
    // One checkpoint per execution: a resumed run that fails again compensates again.
    compensations.push({ step: id, handler, instance: handlerCheckpoint(handlerInstance(handler, id, uses.get(handler)! > 1), event.run.attempt) });
  }
  compensations.sort((a, b) => (endedAt.get(b.step) ?? '').localeCompare(endedAt.get(a.step) ?? ''));
  // What is compensated counts as undone: a resume runs those steps (every item of a for_each) again.
  const undone = new Set(compensations.map((c) => c.step));
  await Promise.all(checkpoints.filter((c) => undone.has(c.step)).map((c) => deps.store.steps.markCompensated(runId, { step: c.step, index: c.index })));

  await deps.store.runs.update(runId, { status: 'failed', error: { step, name: error.Error, cause: plainCause(error.Cause) }, ended_at: timestamp(deps) });
  const parent = parentOf(event.run);
  if (parent) await deps.store.steps.fail(parent.runId, parent.key, { name: error.Error, message: plainCause(error.Cause) });
  return { error, compensations };
}

/**
 * When a run ends, every step in its final state is `succeeded`, `failed` or
 * `skipped` in the store too. Steps skipped by a Choice never reach a Lambda,
 * and a step whose Lambda never answered (Step Functions gave up on it: a
 * timeout, an invocation that failed before it ran) still says `running`.
 * A `wait` step runs no Lambda at all: it is recorded here when it succeeded.
 */
async function settleSteps(runId: string, steps: Steps, deps: RunDeps, waits: string[] = []): Promise<void> {
  const isWait = new Set(waits);
  await Promise.all(
    Object.entries(steps).map(async ([id, record]) => {
      if (record?.status === 'succeeded' && isWait.has(id)) await deps.store.steps.settle(runId, { step: id }, 'succeeded');
      else if (record?.status === 'skipped') await deps.store.steps.setStatus(runId, { step: id }, 'skipped');
      else if (record?.status === 'failed') {
        const error = record.error ? { name: record.error.Error, message: plainCause(record.error.Cause ?? '') } : { name: 'States.TaskFailed', message: 'the step failed' };
        await deps.store.steps.settle(runId, { step: id }, 'failed', error);
      }
    }),
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

// ---- a child run and its parent's step ----------------------------------------

/**
 * A `workflow:` step is a `startExecution.sync` task: no Lambda of the parent runs
 * for it, so the child's own start and finish write the parent's step checkpoint
 * (status, attempts, outputs), as invoke-step does for every other kind.
 */
function parentOf(run: RunContext): { runId: string; key: StepKey } | undefined {
  if (!run.parent) return undefined;
  const key = parentStepOf(run.id, run.parent);
  return key ? { runId: run.parent, key } : undefined;
}

async function beginParentStep(parent: { runId: string; key: StepKey }, deps: RunDeps) {
  try {
    await deps.store.steps.begin(parent.runId, parent.key);
  } catch (error) {
    // The step already succeeded (a resumed parent re-running its child): it stays so.
    if (!(error instanceof StepAlreadySucceededError)) throw error;
  }
}

async function succeedParentStep(parent: { runId: string; key: StepKey }, outputs: unknown, deps: RunDeps) {
  const attempt = (await deps.store.steps.get(parent.runId, parent.key))?.attempts ?? 1;
  try {
    await deps.store.steps.succeed(parent.runId, parent.key, { result: outputs, attempt });
  } catch (error) {
    if (!(error instanceof StepAlreadySucceededError)) throw error;
  }
}

function timestamp(deps: RunDeps): string {
  return (deps.now ?? (() => new Date()))().toISOString();
}
