/**
 * The run starter's port (functions/runtime/starter/executions.ts) on this
 * machine: the local engine runs each execution in this process, as Step
 * Functions would run it on AWS. `baton serve` starts runs through it.
 *
 * Stopping needs nothing here: whoever stops a run (the API's cancel or pause,
 * a takeover by a newer run) first sets the run's control flag, which the
 * engine watches and acts on at once (cancel) or at the next step boundary
 * (pause), as `baton cancel` from another terminal does.
 */
import { resolve } from 'node:path';
import type { ExecutionInput } from '../../compiler/contract/index.ts';
import type { ExecutionDescription, ExecutionPort, ExecutionStatus } from '../../functions/runtime/starter/executions.ts';
import type { CheckpointStore, RunRecord, RunStatus } from '../../functions/runtime/store/index.ts';
import { LEASE_STALE_MS, localArn, parseLocalArn, type LocalEngine, type RunOutcome } from './engine.ts';
import { isInterrupted } from './lease.ts';

export interface LocalExecutionsOptions {
  engine: LocalEngine;
  store: CheckpointStore;
  /** Workflow name → its definition file. */
  files: Map<string, string>;
  /** An execution ended (its end is recorded): the starter moves the run's concurrency group on. */
  onEnded?: (runId: string, outcome: RunOutcome) => Promise<void> | void;
  /** An execution could not run at all (the definition no longer compiles, another process holds the run). */
  onError?: (runId: string, error: Error) => void;
}

const EXECUTION_STATUS: Partial<Record<RunStatus, ExecutionStatus>> = {
  succeeded: 'SUCCEEDED',
  failed: 'FAILED',
  timed_out: 'TIMED_OUT',
  cancelled: 'ABORTED',
  paused: 'ABORTED',
  interrupted: 'ABORTED',
};

export class LocalExecutions implements ExecutionPort {
  private readonly options: LocalExecutionsOptions;
  /** Executions running in this process, by ARN. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(options: LocalExecutionsOptions) {
    this.options = options;
  }

  arnFor(workflow: string, _name: string, input: ExecutionInput): string {
    return localArn(resolve(this.fileOf(workflow)), input.run.id, input.run.attempt);
  }

  async start(workflow: string, name: string, input: ExecutionInput): Promise<string> {
    const arn = this.arnFor(workflow, name, input);
    // Started again while it runs: the same execution, as Step Functions answers.
    if (this.running.has(arn)) return arn;
    const runId = input.run.id;
    const execution = this.options.engine
      .start(this.fileOf(workflow), input)
      .then((outcome) => this.options.onEnded?.(runId, outcome))
      .catch(async (error: Error) => {
        await this.options.store.runs
          .update(runId, { status: 'failed', error: { name: 'Baton.StartFailed', cause: error.message }, ended_at: new Date().toISOString() })
          .catch(() => undefined);
        this.options.onError?.(runId, error);
      })
      .finally(() => this.running.delete(arn));
    this.running.set(arn, execution);
    return arn;
  }

  async describe(arn: string): Promise<ExecutionDescription | undefined> {
    const parsed = parseLocalArn(arn);
    if (!parsed) return undefined;
    const runId = /:([^:]+):\d+$/.exec(arn)![1];
    if (this.running.has(arn)) return { arn, status: 'RUNNING', runId, attempt: parsed.attempt };
    const run = await this.options.store.runs.get(runId);
    if (!run) return undefined;
    return { arn, status: statusOf(run, arn), runId, attempt: parsed.attempt };
  }

  async stop(): Promise<void> {
    // The control flag, set before every stop, is what the engine acts on.
  }

  consoleUrl(): string | null {
    return null;
  }

  /** Resolves when every execution of this process has ended (after an interrupt, say). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  get size(): number {
    return this.running.size;
  }

  private fileOf(workflow: string): string {
    const file = this.options.files.get(workflow);
    if (!file) throw new Error(`no definition of workflow ${workflow} is served`);
    return file;
  }
}

/** How an execution of this engine that is not running here ended, from its run's record. */
function statusOf(run: RunRecord, arn: string): ExecutionStatus {
  // An older execution of the run (before a resume) is over, however it ended.
  if (run.execution_arn !== arn) return 'ABORTED';
  if (run.status === 'running') return isInterrupted(run, LEASE_STALE_MS) ? 'ABORTED' : 'RUNNING';
  return EXECUTION_STATUS[run.status] ?? 'RUNNING';
}
