/**
 * Cancel and pause asked of a run from outside it (the API, `baton serve`).
 * Both set the run's control flag, which every step reads at its boundary, and
 * stop the execution at once; how the run ended is then recorded from the
 * execution's own end (the events handler on AWS, the engine locally). A run
 * with no execution going (queued, paused) is recorded here, since nothing else
 * will tell.
 */
import { ErrorNames, RunFinishedError, RunNotFoundError } from '../errors.ts';
import { TERMINAL_RUN_STATUSES, type RunRecord } from '../store/index.ts';
import { RunStateError } from './errors.ts';
import type { RunStarter } from './starter.ts';

export async function cancelRun(starter: RunStarter, runId: string, why = 'cancelled through the API'): Promise<RunRecord> {
  const { store, executions, workflows } = starter.deps;
  const run = await store.runs.get(runId);
  if (!run) throw new RunNotFoundError(runId);
  const status = starter.statusOf(run);
  if (TERMINAL_RUN_STATUSES.includes(status)) throw new RunFinishedError(runId, status);
  // Refused (RunFinished) if the run ended since the read.
  await store.runs.requestControl(runId, 'cancel');
  let current = run;
  if (status !== 'running') {
    current = await starter.markCancelled(run, { interrupted: status === 'interrupted' });
    if (current.status === 'cancelled') {
      const workflow = workflows.find(run.workflow);
      const key = workflow && starter.keyOf(workflow, run);
      // A queued run leaves the queue; a paused one gives its group to the next.
      if (key && status === 'pending') await store.groups.dequeue(key, runId);
      else await starter.runEnded(runId);
      return current;
    }
  }
  if (current.execution_arn) await executions.stop(current.execution_arn, ErrorNames.RunCancelled, why);
  return (await store.runs.get(runId)) ?? current;
}

export async function pauseRun(starter: RunStarter, runId: string, why = 'paused through the API'): Promise<RunRecord> {
  const { store, executions } = starter.deps;
  const run = await store.runs.get(runId);
  if (!run) throw new RunNotFoundError(runId);
  const status = starter.statusOf(run);
  if (TERMINAL_RUN_STATUSES.includes(status)) throw new RunFinishedError(runId, status);
  if (status === 'paused') return run;
  if (status === 'pending') throw new RunStateError(`run ${runId} is queued behind another run of its concurrency group; cancel it, or pause it once it runs`);
  if (status === 'interrupted') throw new RunStateError(`run ${runId} is interrupted: nothing of it runs; resume or cancel it`);
  await store.runs.requestControl(runId, 'pause');
  // Stopping now is safe: a step already running still finishes and checkpoints its
  // result, and resume takes it from there.
  if (run.execution_arn) await executions.stop(run.execution_arn, ErrorNames.RunPaused, why);
  return (await store.runs.get(runId)) ?? run;
}
