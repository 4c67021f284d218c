/**
 * How a run ended, from its execution's own end: Step Functions' "Execution
 * Status Change" events on AWS (functions/events/handler.ts). A run's
 * `run.succeeded`/`run.failed` states record the ends the definition reaches;
 * this records the others, and every end gives the run's concurrency group to
 * the run waiting for it:
 *
 * | execution | run still `running` (or `paused`) becomes |
 * | --- | --- |
 * | ABORTED | `paused` if a pause was asked, else `cancelled` |
 * | TIMED_OUT | `timed_out`, error `States.Timeout` |
 * | FAILED | `failed`, with the execution's error and cause |
 *
 * Steps still `running` or `waiting` are settled: failed with the run's error,
 * or back to `pending` for a pause (resume runs them again). An event of an
 * older execution of the run (one before a resume) changes nothing.
 */
import { ErrorNames, VersionConflictError } from '../errors.ts';
import { plainCause } from '../control/run.ts';
import type { BatonLogger, BatonMetrics } from '../observability.ts';
import type { RunError, RunRecord, RunStatus, StepError } from '../store/index.ts';
import type { ExecutionStatus } from './executions.ts';
import { runOf } from './sfn-executions.ts';
import type { RunStarter } from './starter.ts';

export interface ExecutionEnd {
  executionArn: string;
  status: ExecutionStatus;
  /** The execution's input (JSON text), which names the run. */
  input?: string | null;
  error?: string | null;
  cause?: string | null;
  /** How many times the execution was redriven: a RUNNING event with a count above 0 is a redrive starting. */
  redriveCount?: number | null;
}

export interface EndDeps {
  starter: RunStarter;
  metrics?: Pick<BatonMetrics, 'runFailed'>;
  log?: BatonLogger;
}

export interface EndOutcome {
  run_id?: string;
  /** The status this recorded, if it recorded one. */
  recorded?: RunStatus;
  /** Why nothing was recorded. */
  ignored?: string;
}

export async function recordExecutionEnd(deps: EndDeps, end: ExecutionEnd): Promise<EndOutcome> {
  const { store, executions } = deps.starter.deps;
  if (end.status === 'RUNNING' && (end.redriveCount ?? 0) > 0) return recordRedrive(deps, end);
  if (end.status === 'RUNNING' || end.status === 'PENDING_REDRIVE') return { ignored: 'the execution has not ended' };
  const runId = runOf(end.input)?.id ?? (await executions.describe(end.executionArn))?.runId;
  if (!runId) return { ignored: 'the execution names no Baton run' };
  let recorded: RunStatus | undefined;
  for (let i = 0; i < 5; i++) {
    const run = await store.runs.get(runId);
    if (!run) return { run_id: runId, ignored: 'no such run' };
    if (run.execution_arn !== end.executionArn) return { run_id: runId, ignored: 'an older execution of the run' };
    const change = changeFor(run, end);
    if (!change) break;
    try {
      await store.runs.update(runId, change.patch, { expectedVersion: run.version });
    } catch (error) {
      // Closes: a resume, cancel or the run's own end changing the run as this
      // event is recorded: read again and decide from what it is now.
      if (error instanceof VersionConflictError) continue;
      throw error;
    }
    await settleSteps(deps, runId, change.steps);
    if (change.patch.status === 'failed' || change.patch.status === 'timed_out') deps.metrics?.runFailed(run.workflow);
    await store.runs.requestControl(runId, null).catch(() => undefined);
    recorded = change.patch.status;
    deps.log?.info('run.ended', { run_id: runId, workflow: run.workflow, status: recorded, execution_status: end.status });
    break;
  }
  await deps.starter.runEnded(runId);
  return { run_id: runId, ...(recorded ? { recorded } : {}) };
}

/**
 * A redrive (docs/deploy.md, "Redriving a failed run") continues the run's
 * latest execution: the run is running again until that execution ends again.
 * A failed run's flow says so itself at `run.start`; a stopped or timed-out one
 * continues where it was, so this is what shows it running.
 */
async function recordRedrive(deps: EndDeps, end: ExecutionEnd): Promise<EndOutcome> {
  const { store, executions } = deps.starter.deps;
  const runId = runOf(end.input)?.id ?? (await executions.describe(end.executionArn))?.runId;
  if (!runId) return { ignored: 'the execution names no Baton run' };
  for (let i = 0; i < 5; i++) {
    const run = await store.runs.get(runId);
    if (!run) return { run_id: runId, ignored: 'no such run' };
    if (run.execution_arn !== end.executionArn) return { run_id: runId, ignored: 'an older execution of the run' };
    if (run.status === 'running') return { run_id: runId, ignored: 'the run is running already' };
    try {
      await store.runs.update(runId, { status: 'running', error: null, ended_at: null }, { expectedVersion: run.version });
      deps.log?.info('run.redriven', { run_id: runId, workflow: run.workflow, redrive_count: end.redriveCount });
      return { run_id: runId, recorded: 'running' };
    } catch (error) {
      // Closes: the redriven flow's own run.start recording it as this event is.
      if (error instanceof VersionConflictError) continue;
      throw error;
    }
  }
  return { run_id: runId, ignored: 'the run kept changing' };
}

type Change = {
  patch: { status: RunStatus; error?: RunError; ended_at?: string };
  /** How steps that had not ended are settled: failed with this error, or back to pending. */
  steps: StepError | 'pending';
};

function changeFor(run: RunRecord, end: ExecutionEnd): Change | undefined {
  const now = new Date().toISOString();
  const live = run.status === 'running' || run.status === 'paused';
  switch (end.status) {
    case 'ABORTED': {
      if (!live) return undefined;
      if (run.control === 'pause' || run.status === 'paused') return { patch: { status: 'paused' }, steps: 'pending' };
      return { patch: { status: 'cancelled', ended_at: now }, steps: { name: ErrorNames.RunCancelled, message: 'the run was cancelled while the step ran' } };
    }
    case 'TIMED_OUT': {
      if (run.status !== 'running') return undefined;
      const cause = plainCause(end.cause || 'the run ran past its timeout');
      return { patch: { status: 'timed_out', error: { name: ErrorNames.StepTimeout, cause }, ended_at: now }, steps: { name: ErrorNames.StepTimeout, message: cause } };
    }
    case 'FAILED': {
      if (run.status !== 'running') return undefined;
      const error = { name: end.error || 'States.Runtime', cause: plainCause(end.cause || 'the execution failed') };
      return { patch: { status: 'failed', error, ended_at: now }, steps: { name: error.name, message: error.cause } };
    }
    default:
      return undefined;
  }
}

async function settleSteps(deps: EndDeps, runId: string, how: StepError | 'pending'): Promise<void> {
  const { store } = deps.starter.deps;
  const open = (await store.steps.list(runId)).filter((s) => s.status === 'running' || s.status === 'waiting');
  await Promise.all(
    open.map((s) => {
      const key = { step: s.step, index: s.index };
      return how === 'pending' ? store.steps.setStatus(runId, key, 'pending') : store.steps.settle(runId, key, 'failed', how);
    }),
  );
}
