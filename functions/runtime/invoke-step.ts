/**
 * Runs one step invocation: the single entry point that the step Lambda and the
 * local engine both call for every user step's Task state.
 *
 * In order: honour the run's pause/cancel flag; return the stored outputs if the
 * checkpoint already says `succeeded` (resume and duplicate invocations cost
 * nothing and change nothing); count the attempt; replace `ResultRef`s in the input
 * by their values; resolve secrets at the listed paths only; run the kind; store the
 * full result and the declared outputs; return the outputs (as a ref if too large).
 * A failure is stored and rethrown under the same `name`, since that name is what
 * ASL's Retry/Catch match. Every secret value is masked (`***`) in whatever is
 * stored, returned, thrown or logged.
 */

import type { StepInvocation, StepResponse } from './contract.ts';
import {
  BatonError,
  InputInvalidError,
  RunCancelledError,
  RunPausedError,
  StepAlreadySucceededError,
  VersionConflictError,
} from './errors.ts';
import { runAgent } from './kinds/agent.ts';
import { ignoreClosedToken, runApproval } from './kinds/approval.ts';
import { runFunction } from './kinds/function.ts';
import { runHttp } from './kinds/http.ts';
import { selectOutputs } from './outputs.ts';
import { Redactor } from './redact.ts';
import { isResultRef, jsonBytes, travellingRef } from './result-ref.ts';
import type { KindContext, KindOutcome, RuntimeDeps } from './runtime-deps.ts';
import { resolveSecretPaths } from './secret-templates.ts';
import { stepKeyString, type StepCheckpoint, type StepKey } from './store-records.ts';

export type { KindContext, KindOutcome, RuntimeDeps } from './runtime-deps.ts';

/** Step Functions allows 256 KB for a whole state; one step's outputs get a share of it. */
export const DEFAULT_MAX_OUTPUT_BYTES = 200 * 1024;

export async function invokeStep(inv: StepInvocation, deps: RuntimeDeps): Promise<StepResponse> {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  const runId = inv.run.id;
  const key: StepKey = { step: inv.step, index: inv.index };
  const redactor = new Redactor();
  const emit = (event: string, fields: Record<string, unknown> = {}): void => {
    deps.log?.(redactor.redact({ event, run_id: runId, workflow: inv.workflow, step: inv.step, index: inv.index, kind: inv.kind, ...fields }));
  };

  const respond = (outputs: unknown): StepResponse => {
    const bytes = jsonBytes(outputs);
    const travelling = bytes > (deps.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES) ? travellingRef(runId, stepKeyString(key), outputs, bytes) : outputs;
    return inv.kind === 'agent' ? { outputs: travelling, done: true } : { outputs: travelling };
  };

  /** The step already succeeded (earlier, or in a duplicate invocation just now): answer with what is stored. */
  const reuse = async (): Promise<StepResponse> => {
    let outputs: unknown = (await store.getStep(runId, key))?.outputs ?? null;
    // Stored in parts: read them, so the answer is built (ref and small fields) as the first time.
    if (isResultRef(outputs)) outputs = await store.getOutputs(runId, key);
    const response = respond(outputs);
    emit('step.reused');
    // An approval's Task state waits on its token, not on this return value.
    if (inv.kind === 'approval') await ignoreClosedToken(deps.tokens.sendSuccess(inv.token, { outputs: response.outputs }));
    return response;
  };

  await checkControl(inv, deps, now, emit);

  let attempt: number;
  let checkpoint: StepCheckpoint | undefined;
  if (inv.kind === 'agent' && inv.phase === 'poll') {
    // A poll continues the attempt that submitted the prompt (its progress is in the
    // checkpoint); it is not a new try.
    checkpoint = await store.getStep(runId, key);
    if (checkpoint?.status === 'succeeded') return reuse();
    attempt = Math.max(checkpoint?.attempts ?? 1, 1);
  } else {
    // An agent's previous attempt may have posted its prompt without learning that it
    // landed; beginAttempt clears that progress, so the kind gets it from this read.
    if (inv.kind === 'agent') checkpoint = await store.getStep(runId, key);
    // Otherwise no read first: beginAttempt's condition refuses a step that already succeeded,
    // and that answer is the cue to return the stored outputs (one request per step less).
    try {
      attempt = await store.beginAttempt(runId, key);
    } catch (error) {
      if (error instanceof StepAlreadySucceededError) return reuse();
      throw error;
    }
  }
  emit('step.started', { attempt, ...(inv.kind === 'agent' ? { phase: inv.phase } : {}) });

  try {
    const prepared = await prepare(inv, deps, redactor);
    const fetchFn = deps.fetch ?? globalThis.fetch;
    const ctx: KindContext = { deps, key, attempt, checkpoint, redactor, fetch: fetchFn, now };
    const outcome = await withDeadline(runKind(prepared, ctx), inv.timeout_seconds);
    if (!outcome.done) {
      emit(inv.kind === 'approval' ? 'step.waiting' : 'step.working', { attempt });
      return inv.kind === 'agent' ? { outputs: null, done: false } : { outputs: null };
    }
    const result = redactor.redact(outcome.result);
    const outputs = await selectOutputs(inv.outputs, result);
    try {
      // Two invocations of one attempt racing (a duplicate Lambda call): the first
      // success stands. An attempt Step Functions gave up on never gets here: its
      // deadline (withDeadline) ended it first.
      await store.succeedStep(runId, key, { result, outputs: outputs === result ? undefined : outputs, attempt });
    } catch (error) {
      if (error instanceof StepAlreadySucceededError) return reuse();
      throw error;
    }
    emit('step.succeeded', { attempt, result_bytes: jsonBytes(result) });
    return respond(outputs);
  } catch (error) {
    const name = errorName(error);
    const message = redactor.redactText(errorMessage(error));
    let recorded = true;
    try {
      recorded = await store.failStep(runId, key, { name, message }, isPoll(inv) ? undefined : attempt);
    } catch (storeError) {
      emit('step.checkpoint_failed', { error: errorName(storeError), message: redactor.redactText(errorMessage(storeError)) });
    }
    // A duplicate invocation succeeded while this one failed: its success stands.
    if (!recorded && (await store.getStep(runId, key))?.status === 'succeeded') return reuse();
    emit('step.failed', { attempt, error: name, message });
    throw new BatonError(name, message);
  }
}

function isPoll(inv: StepInvocation): boolean {
  return inv.kind === 'agent' && inv.phase === 'poll';
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
    timer = setTimeout(() => reject(new BatonError('States.Timeout', `the step ran past its timeout of ${seconds}s`)), seconds * 1000);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Pause and cancel take effect at step boundaries: the run's status is recorded and
 * the execution stops with `Baton.RunPaused`/`Baton.RunCancelled`, which no step catches.
 */
async function checkControl(
  inv: StepInvocation,
  deps: RuntimeDeps,
  now: () => Date,
  emit: (event: string, fields?: Record<string, unknown>) => void,
): Promise<void> {
  const run = await deps.store.getRun(inv.run.id);
  if (!run?.control) return;
  const status = run.control === 'cancel' ? 'cancelled' : 'paused';
  if (run.status !== status) {
    try {
      await deps.store.updateRun(
        inv.run.id,
        status === 'cancelled' ? { status, ended_at: now().toISOString() } : { status },
        { expectedVersion: run.version },
      );
    } catch (error) {
      // Another step of the same run recorded it first (or the run changed): either way
      // this execution stops here.
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }
  emit(status === 'cancelled' ? 'run.cancelled' : 'run.paused');
  throw status === 'cancelled' ? new RunCancelledError(inv.run.id) : new RunPausedError(inv.run.id);
}

/** Large values back in place of their refs, then secrets at the listed paths. */
async function prepare<T extends StepInvocation>(inv: T, deps: RuntimeDeps, redactor: Redactor): Promise<T> {
  const withValues = {
    ...inv,
    input: await deps.store.resolveRefs(inv.input),
    ...(inv.item === undefined ? {} : { item: await deps.store.resolveRefs(inv.item) }),
  };
  return resolveSecretPaths(withValues, inv.secrets, deps.secrets, redactor);
}

function runKind(inv: StepInvocation, ctx: KindContext): Promise<KindOutcome> {
  switch (inv.kind) {
    case 'function':
      return runFunction(inv, ctx);
    case 'http':
      return runHttp(inv, ctx);
    case 'agent':
      return runAgent(inv, ctx);
    case 'approval':
      return runApproval(inv, ctx);
    default:
      throw new InputInvalidError(`unknown step kind ${String((inv as { kind?: unknown }).kind)}`);
  }
}

function withOutputs(inv: StepInvocation, outputs: unknown): StepResponse {
  return inv.kind === 'agent' ? { outputs, done: true } : { outputs };
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
