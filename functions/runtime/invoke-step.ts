/**
 * Runs one step event: the core that every step Lambda's handler (and so the
 * local engine, which calls those handlers) hands a parsed event to.
 *
 * In order: honour the run's pause/cancel flag; return the stored outputs if the
 * checkpoint already says `succeeded` (resume and duplicate invocations cost
 * nothing and change nothing); count the attempt; replace `ResultRef`s in the
 * input by their values; assemble templates at the listed paths only; run the
 * kind; store the full result and the declared outputs; tell the dependents
 * waiting behind a barrier; answer the outputs (as a ref if too large). A
 * failure is stored and rethrown under the same `name`, since that name is what
 * ASL's Retry/Catch match. Every secret value is masked (`***`) in whatever is
 * stored, returned, thrown or logged.
 */

import { stepIdOf, type StepAnswer, type StepEvent, type StepKindName } from '../../compiler/contract/index.ts';
import { BatonError, RunCancelledError, RunPausedError, StepAlreadySucceededError, StepTimeoutError, VersionConflictError } from './errors.ts';
import { signalDependents } from './control/barrier.ts';
import { runAgent } from './kinds/agent.ts';
import { ignoreClosedToken, runApproval } from './kinds/approval.ts';
import { runFunction } from './kinds/function.ts';
import { runHttp } from './kinds/http.ts';
import { selectOutputs } from './outputs.ts';
import { Redactor } from './redact.ts';
import { isResultRef, jsonBytes, travellingRef } from './result-ref.ts';
import type { KindContext, KindOutcome, RuntimeDeps } from './runtime-deps.ts';
import { stepKeyString, type StepCheckpoint, type StepKey } from './store/index.ts';
import { resolveTemplates } from './templates.ts';
import type { AgentEvent, ApprovalEvent, FunctionEvent, HttpEvent } from '../../compiler/contract/index.ts';

export type { KindContext, KindOutcome, RuntimeDeps } from './runtime-deps.ts';

/** Step Functions allows 256 KB for a whole state; one step's outputs get a share of it. */
export const DEFAULT_MAX_OUTPUT_BYTES = 200 * 1024;

/** Which step kind an event is for, and for a function step, its file (the Lambda's own). */
export type StepRole = { kind: 'function'; file: string } | { kind: Exclude<StepKindName, 'function'> };

export type TypedStepEvent =
  | { role: { kind: 'function'; file: string }; event: FunctionEvent }
  | { role: { kind: 'http' }; event: HttpEvent }
  | { role: { kind: 'agent' }; event: AgentEvent }
  | { role: { kind: 'approval' }; event: ApprovalEvent };

export async function invokeStep(call: TypedStepEvent, deps: RuntimeDeps): Promise<StepAnswer> {
  const { event } = call;
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const runId = event.run.id;
  const key: StepKey = { step: event.step, index: event.index };
  const redactor = new Redactor();
  const kind = call.role.kind;
  const emit = (name: string, fields: Record<string, unknown> = {}): void => {
    deps.log?.(redactor.redact({ event: name, run_id: runId, workflow: event.run.workflow, step: event.step, index: event.index, kind, ...fields }));
  };
  const poll = call.role.kind === 'agent' && (event as AgentEvent).phase === 'poll';

  const answer = async (outputs: unknown): Promise<StepAnswer> => {
    if (event.signal) await signalDependents(deps, event.run, stepIdOf(event.step), { ...(event.steps ?? {}), [stepIdOf(event.step)]: { status: 'succeeded', outputs } }, event.signal);
    const bytes = jsonBytes(outputs);
    const travelling = bytes > (deps.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES) ? travellingRef(runId, stepKeyString(key), outputs, bytes) : outputs;
    return { status: 'succeeded', outputs: travelling };
  };

  /** The step already succeeded (earlier, or in a duplicate invocation just now): answer with what is stored. */
  const reuse = async (): Promise<StepAnswer> => {
    let outputs: unknown = (await store.steps.get(runId, key))?.outputs ?? null;
    // Stored in parts: read them, so the answer is built (ref and small fields) as the first time.
    if (isResultRef(outputs)) outputs = await store.steps.getOutputs(runId, key);
    emit('step.reused');
    const response = await answer(outputs);
    // An approval's Task state waits on its token, not on this return value.
    if (call.role.kind === 'approval') await ignoreClosedToken(deps.tokens.sendSuccess((event as ApprovalEvent).token, response));
    return response;
  };

  let attempt: number;
  let checkpoint: StepCheckpoint | undefined;
  if (poll) {
    await checkControl(runId, deps, now, emit);
    // A poll continues the attempt that submitted the prompt (its progress is in the
    // checkpoint); it is not a new try.
    checkpoint = await store.steps.get(runId, key);
    if (checkpoint?.status === 'succeeded') return reuse();
    attempt = Math.max(checkpoint?.attempts ?? 1, 1);
  } else {
    // An agent's previous attempt may have posted its prompt without learning that it
    // landed; begin clears that progress, so the kind gets it from this read.
    if (kind === 'agent') checkpoint = await store.steps.get(runId, key);
    // The run's control flag and the attempt's start are one round trip, not two: they
    // go out together, and a run found paused or cancelled gives the attempt back.
    // No read of the step first: begin's condition refuses a step that already
    // succeeded, and that answer is the cue to return the stored outputs.
    const begun = store.steps.begin(runId, key).then(
      (n) => ({ attempt: n }),
      (error: unknown) => ({ error }),
    );
    try {
      await checkControl(runId, deps, now, emit);
    } catch (stopped) {
      const started = await begun;
      if ('attempt' in started) await store.steps.giveBack(runId, key, started.attempt);
      throw stopped;
    }
    const started = await begun;
    if ('error' in started) {
      if (started.error instanceof StepAlreadySucceededError) return reuse();
      throw started.error;
    }
    attempt = started.attempt;
  }
  emit('step.started', { attempt, ...(poll ? { phase: 'poll' } : {}) });

  try {
    const prepared = await prepare(call, deps, redactor);
    const ctx: KindContext = { deps, key, attempt, checkpoint, redactor, fetch: deps.fetch ?? globalThis.fetch, now };
    const outcome = await withDeadline(runKind(prepared, ctx), event.timeout_seconds);
    if (!outcome.done) {
      emit(kind === 'approval' ? 'step.waiting' : 'step.working', { attempt });
      return { status: 'running', outputs: null };
    }
    const result = redactor.redact(outcome.result);
    const outputs = await selectOutputs(event.outputs, result);
    try {
      // Two invocations of one attempt racing (a duplicate Lambda call): the first
      // success stands. An attempt Step Functions gave up on never gets here: its
      // deadline (withDeadline) ended it first.
      await store.steps.succeed(runId, key, { result, outputs: outputs === result ? undefined : outputs, attempt });
    } catch (error) {
      if (error instanceof StepAlreadySucceededError) return reuse();
      throw error;
    }
    emit('step.succeeded', { attempt, result_bytes: jsonBytes(result) });
    return answer(outputs);
  } catch (error) {
    const name = errorName(error);
    const message = redactor.redactText(errorMessage(error));
    let recorded = true;
    try {
      recorded = await store.steps.fail(runId, key, { name, message }, poll ? undefined : attempt);
    } catch (storeError) {
      emit('step.checkpoint_failed', { error: errorName(storeError), message: redactor.redactText(errorMessage(storeError)) });
    }
    // A duplicate invocation succeeded while this one failed: its success stands.
    if (!recorded && (await store.steps.get(runId, key))?.status === 'succeeded') return reuse();
    emit('step.failed', { attempt, error: name, message });
    throw new BatonError(name, message);
  }
}

/**
 * The step's `timeout`, kept by the runtime too: Step Functions stops waiting at
 * TimeoutSeconds but cannot stop the code, so the runtime stops waiting at the same
 * moment and records `States.Timeout`; whatever the code answers later is dropped.
 */
async function withDeadline<T>(work: Promise<T>, seconds: number | undefined): Promise<T> {
  if (seconds === undefined) return work;
  work.catch(() => {}); // a late failure after the deadline has no one to tell
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(`the step ran past its timeout of ${seconds}s`)), seconds * 1000);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Pause and cancel take effect at step boundaries: the run's status is recorded and
 * the step throws `Baton.RunPaused`/`Baton.RunCancelled`; its handler stops the
 * execution, so no step ever catches them.
 */
async function checkControl(runId: string, deps: RuntimeDeps, now: () => Date, emit: (event: string, fields?: Record<string, unknown>) => void): Promise<void> {
  const run = deps.runView ? await deps.runView(runId) : await deps.store.runs.get(runId);
  if (!run?.control) return;
  const status = run.control === 'cancel' ? 'cancelled' : 'paused';
  if (run.status !== status) {
    try {
      await deps.store.runs.update(runId, status === 'cancelled' ? { status, ended_at: now().toISOString() } : { status }, { expectedVersion: run.version });
    } catch (error) {
      // Another step of the same run recorded it first (or the run changed): either way
      // this execution stops here.
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
  emit(status === 'cancelled' ? 'run.cancelled' : 'run.paused');
  throw status === 'cancelled' ? new RunCancelledError(runId) : new RunPausedError(runId);
}

/** Large values back in place of their refs, then templates at the listed paths. */
async function prepare<T extends TypedStepEvent>(call: T, deps: RuntimeDeps, redactor: Redactor): Promise<T> {
  const { event } = call;
  const withValues = {
    ...event,
    input: await deps.store.steps.resolveRefs(event.input),
    ...(event.item === undefined ? {} : { item: await deps.store.steps.resolveRefs(event.item) }),
  };
  const config = 'config' in event ? { config: event.config } : {};
  const resolved = await resolveTemplates({ ...withValues, ...config }, event.templates, deps.secrets, redactor);
  return { ...call, event: resolved };
}

function runKind(call: TypedStepEvent, ctx: KindContext): Promise<KindOutcome> {
  switch (call.role.kind) {
    case 'function':
      return runFunction(call.event as FunctionEvent, call.role.file, ctx);
    case 'http':
      return runHttp(call.event as HttpEvent, ctx);
    case 'agent':
      return runAgent(call.event as AgentEvent, ctx);
    case 'approval':
      return runApproval(call.event as ApprovalEvent, ctx);
  }
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length > 0 ? name : 'Error';
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
