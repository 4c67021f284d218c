/**
 * The one run starter: the API, schedules, `baton serve` and the GitHub webhook
 * all start runs here. A start checks everything first (inputs, run id, the
 * concurrency group renders) and refuses with every problem at once, starting
 * nothing. Then:
 *
 * 1. the run record is created, conditionally: the run id is the idempotency
 *    key, so of N identical requests one creates the run and the others answer
 *    it. The record holds the execution's ARN before the execution exists, so
 *    the state machine's `run.start` finds the run already checked and recorded;
 * 2. a workflow with `concurrency` enters its group (store/groups.ts): it takes
 *    the group, or takes it over (`cancel_in_progress`, the older run is
 *    cancelled), or waits `pending` behind the holder, replacing (cancelling)
 *    the run that waited before it, as GitHub Actions does;
 * 3. the execution is started through the `ExecutionPort` (Step Functions, or
 *    the local engine).
 *
 * When a run ends (the events handler on AWS, the engine under `baton serve`),
 * `runEnded` gives its group to the queued run and starts it.
 */
import { executionInputProblem, type ExecutionInput } from '../../../compiler/contract/index.ts';
import { checkInputs } from '../control/inputs.ts';
import { ErrorNames, RunExistsError, RunNotFoundError, VersionConflictError } from '../errors.ts';
import type { BatonLogger, BatonMetrics } from '../observability.ts';
import { TERMINAL_RUN_STATUSES, type CheckpointStore, type GroupSlot, type RunRecord, type RunStatus } from '../store/index.ts';
import { groupKey } from './concurrency.ts';
import { RunIdTakenError, RunStateError, StartInvalidError } from './errors.ts';
import type { ExecutionPort } from './executions.ts';
import { executionName, newRunId, runIdProblems } from './run-id.ts';
import type { WorkflowCatalog, WorkflowManifest } from './workflows.ts';

export interface StarterDeps {
  store: CheckpointStore;
  executions: ExecutionPort;
  workflows: WorkflowCatalog;
  metrics?: Pick<BatonMetrics, 'runStarted'>;
  log?: BatonLogger;
  now?: () => Date;
  /**
   * The status a run shows: locally, a run whose process is gone shows as
   * `interrupted` though its record says `running`. Default: the record's.
   */
  statusOf?: (run: RunRecord) => RunStatus;
  /**
   * A duplicate request finding a run younger than this leaves it to the request
   * that created it; an older one whose execution never started (its starter died
   * between the two writes) is started. Default 10 s.
   */
  startGraceMs?: number;
}

export interface StartRequest {
  workflow: string;
  inputs?: unknown;
  /** The idempotency key; generated when absent. */
  run_id?: string;
  /** What started the run (`trigger.*` in expressions): a schedule, a webhook delivery. */
  trigger?: unknown;
}

/** What a start answers. `execution_arn` is the ARN the run's execution has, or will have once it leaves the queue. */
export interface Started {
  run_id: string;
  execution_arn: string;
  status: RunStatus;
}

export type RelaunchMode = 'resume' | 'retry';

/** Which runs each mode continues. A paused (or interrupted) run is resumed; a failed one retried. */
const RELAUNCHABLE: Record<RelaunchMode, readonly RunStatus[]> = {
  resume: ['paused', 'interrupted'],
  retry: ['failed', 'timed_out', 'cancelled'],
};

const LIVE: readonly RunStatus[] = ['pending', 'running', 'paused', 'interrupted'];

export class RunStarter {
  readonly deps: StarterDeps;

  constructor(deps: StarterDeps) {
    this.deps = deps;
  }

  /**
   * Everything wrong with a start, one sentence each, without starting it: the
   * run id, the inputs, the concurrency group. `WorkflowNotFoundError` for an
   * unknown workflow. `inputs` (defaults applied) and `key` hold when `problems` is empty.
   */
  check(request: StartRequest): { workflow: WorkflowManifest; problems: string[]; inputs: Record<string, unknown>; key?: string } {
    const workflow = this.deps.workflows.get(request.workflow);
    const problems: string[] = request.run_id === undefined ? [] : runIdProblems(request.run_id);
    const checked = checkInputs(workflow.inputs, request.inputs as Record<string, unknown> | undefined);
    problems.push(...checked.problems);
    if (checked.problems.length === 0) {
      // The longest run id and time there can be: what is checked is never smaller than what starts.
      const run = { id: request.run_id ?? 'r'.repeat(80), workflow: workflow.name, started_at: '0000-00-00T00:00:00.000Z', attempt: 1 };
      const tooLarge = executionInputProblem({ inputs: checked.inputs, run, trigger: request.trigger ?? null, steps: {} });
      if (tooLarge) problems.push(tooLarge);
    }
    let key: string | undefined;
    if (problems.length === 0) {
      try {
        key = groupKey(workflow, checked.inputs, request.trigger);
      } catch (error) {
        problems.push(`concurrency.group cannot be rendered for these inputs: ${(error as Error).message}`);
      }
    }
    return { workflow, problems, inputs: checked.inputs, ...(key ? { key } : {}) };
  }

  /** Starts a run of `request.workflow` (see the module comment); `StartInvalidError` lists every problem. */
  async start(request: StartRequest): Promise<Started> {
    const { store } = this.deps;
    const { workflow, problems, inputs, key } = this.check(request);
    if (problems.length > 0) throw new StartInvalidError(problems);
    const runId = request.run_id ?? newRunId(workflow.name);
    const startedAt = this.now().toISOString();
    const arn = this.arnOf(workflow.name, { inputs: inputs, run: { id: runId, workflow: workflow.name, started_at: startedAt, attempt: 1 }, trigger: request.trigger ?? null, steps: {} });
    let run: RunRecord;
    try {
      // runs.create is conditional (attribute_not_exists): identical requests at once
      // create one run; every other one lands in `again`.
      run = await store.runs.create({ run_id: runId, workflow: workflow.name, inputs: inputs, trigger: request.trigger, execution_arn: arn, status: key ? 'pending' : 'running', started_at: startedAt });
    } catch (error) {
      if (error instanceof RunExistsError) return this.again(runId, workflow, inputs);
      throw error;
    }
    this.deps.log?.info('run.created', { run_id: runId, workflow: workflow.name, ...(key ? { group: key } : {}) });
    return key ? this.enterGroup(run, workflow, key, 1) : this.launch(run, 1);
  }

  /**
   * Continues a run from its checkpoints with a new execution (attempt + 1):
   * `resume` a paused or interrupted run, `retry` a failed, timed-out or
   * cancelled one. Steps whose checkpoint says succeeded do not run again.
   */
  async relaunch(runId: string, mode: RelaunchMode): Promise<Started> {
    const { store, executions, workflows } = this.deps;
    const run = await store.runs.get(runId);
    if (!run) throw new RunNotFoundError(runId);
    const status = this.statusOf(run);
    if (!RELAUNCHABLE[mode].includes(status)) throw new RunStateError(relaunchRefusal(runId, status, mode));
    const workflow = workflows.get(run.workflow);
    const previous = run.execution_arn ? await executions.describe(run.execution_arn) : undefined;
    if (previous?.status === 'RUNNING') throw new RunStateError(`run ${runId} is ${status} but its execution has not stopped yet; try again in a moment`);
    // A run cancelled while queued never had an execution: its first one is attempt 1.
    const attempt = (previous?.attempt ?? 0) + 1;
    const key = this.keyOf(workflow, run);
    await store.runs.requestControl(runId, null);
    const arn = this.arnOf(workflow.name, this.inputOf(run, attempt));
    let updated: RunRecord;
    try {
      updated = await store.runs.update(runId, { status: key ? 'pending' : 'running', error: null, ended_at: null, execution_arn: arn }, { expectedVersion: run.version });
    } catch (error) {
      // Two resumes at once: the first one continues the run.
      if (error instanceof VersionConflictError) throw new RunStateError(`run ${runId} changed while it was being ${mode === 'resume' ? 'resumed' : 'retried'}; look at it again`);
      throw error;
    }
    this.deps.log?.info(`run.${mode}`, { run_id: runId, workflow: workflow.name, attempt });
    return key ? this.enterGroup(updated, workflow, key, attempt) : this.launch(updated, attempt);
  }

  /**
   * A run has ended (its end is recorded): its concurrency group goes to the run
   * queued behind it, which starts now. A paused or interrupted run keeps its
   * group; it has not finished, and resume continues it.
   */
  async runEnded(runId: string): Promise<void> {
    const { store, workflows } = this.deps;
    const run = await store.runs.get(runId);
    if (!run || LIVE.includes(run.status)) return;
    const workflow = workflows.find(run.workflow);
    const key = workflow && this.keyOf(workflow, run);
    if (!key) return;
    let next = (await store.groups.release(key, runId)).next;
    while (next) {
      if (await this.startQueued(next.run_id, next.attempt)) return;
      // The queued run was cancelled while it waited: the group moves on past it.
      next = (await store.groups.release(key, next.run_id)).next;
    }
  }

  /**
   * Records a run that has no execution going (queued, paused, interrupted) as
   * cancelled. Answers the record as it is after: `running` means the run left the
   * queue meanwhile and has an execution to stop. `interrupted`: the record says
   * running, but the process that ran it is gone (local runs only).
   */
  async markCancelled(run: RunRecord, options: { interrupted?: boolean } = {}): Promise<RunRecord> {
    let current: RunRecord | undefined = run;
    for (let i = 0; i < 5 && current; i++) {
      if (TERMINAL_RUN_STATUSES.includes(current.status) || (current.status === 'running' && !options.interrupted)) return current;
      try {
        return await this.deps.store.runs.update(current.run_id, { status: 'cancelled', ended_at: this.now().toISOString() }, { expectedVersion: current.version });
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        current = await this.deps.store.runs.get(run.run_id);
      }
    }
    if (!current) throw new RunNotFoundError(run.run_id);
    return current;
  }

  /** The group key of a run of `workflow`, or undefined (none, or it no longer renders). */
  keyOf(workflow: WorkflowManifest, run: RunRecord): string | undefined {
    try {
      return groupKey(workflow, run.inputs, run.trigger);
    } catch {
      return undefined;
    }
  }

  statusOf(run: RunRecord): RunStatus {
    return this.deps.statusOf?.(run) ?? run.status;
  }

  /** The first state's input of a run's `attempt`-th execution: built from the record, so every start of it sends the same. */
  inputOf(run: RunRecord, attempt: number): ExecutionInput {
    return { inputs: run.inputs, run: { id: run.run_id, workflow: run.workflow, started_at: run.started_at, attempt }, trigger: run.trigger ?? null, steps: {} };
  }

  // ---- inside a start ---------------------------------------------------------

  /** A second request for a run id: the same start answers the run; a different one is refused. */
  private async again(runId: string, workflow: WorkflowManifest, inputs: Record<string, unknown>): Promise<Started> {
    const run = await this.deps.store.runs.get(runId);
    if (!run) throw new RunExistsError(runId);
    if (run.workflow !== workflow.name) throw new RunIdTakenError(runId, `of workflow ${run.workflow}`);
    if (JSON.stringify(run.inputs) !== JSON.stringify(inputs)) throw new RunIdTakenError(runId, 'with other inputs');
    if (this.now().getTime() - Date.parse(run.started_at) > (this.deps.startGraceMs ?? 10_000)) await this.repair(run, workflow);
    return answer(run);
  }

  /** Finishes a start whose starter died between writing the run and starting it. */
  private async repair(run: RunRecord, workflow: WorkflowManifest): Promise<void> {
    const { store, executions } = this.deps;
    const first = this.inputOf(run, 1);
    if (run.status === 'running' && run.execution_arn === this.arnOf(workflow.name, first)) {
      if (await executions.describe(run.execution_arn)) return;
      this.deps.log?.warn('run.repaired', { run_id: run.run_id, workflow: run.workflow, why: 'its execution never started' });
      await executions.start(workflow.name, executionName(run.run_id, 1), first);
      return;
    }
    if (run.status === 'pending') {
      const key = this.keyOf(workflow, run);
      const group = key ? await store.groups.get(key) : undefined;
      if (key && group?.holder?.run_id !== run.run_id && group?.pending?.run_id !== run.run_id) await this.enterGroup(run, workflow, key, 1);
    }
  }

  /** Takes the run's place in its group: hold it, take it over, or wait in it. */
  private async enterGroup(run: RunRecord, workflow: WorkflowManifest, key: string, attempt: number): Promise<Started> {
    const { groups } = this.deps.store;
    const me: GroupSlot = { run_id: run.run_id, workflow: workflow.name };
    for (let i = 0; i < 5; i++) {
      const taken = await groups.acquire(key, me);
      if (taken.acquired) return this.launchHolding(run, attempt);
      const holder = taken.holder;
      if (!holder) continue; // released between the two reads: ask again
      if (await this.isOver(holder.run_id)) {
        // The holder ended without giving the group up (a lost event, a definition
        // whose group changed): the group is free, if nobody took it meanwhile.
        if ((await groups.replace(key, me, holder.run_id)) !== false) return this.launchHolding(run, attempt);
        continue;
      }
      if (workflow.concurrency?.cancel_in_progress) {
        const displaced = await groups.replace(key, me);
        if (displaced && displaced.run_id !== run.run_id) await this.supersede(displaced.run_id, run.run_id, key);
        return this.launchHolding(run, attempt);
      }
      const queued = await groups.enqueue(key, { ...me, attempt });
      if (!queued.queued) continue; // the holder released meanwhile: take the group
      if (queued.replaced) {
        this.deps.log?.info('run.replaced_in_queue', { run_id: queued.replaced.run_id, by: run.run_id, group: key });
        const replaced = await this.deps.store.runs.get(queued.replaced.run_id);
        if (replaced) await this.markCancelled(replaced);
      }
      this.deps.log?.info('run.queued', { run_id: run.run_id, workflow: workflow.name, group: key, behind: holder.run_id });
      return answer(run);
    }
    throw new Error(`concurrency group ${key}: run ${run.run_id} could neither take it nor wait in it`);
  }

  /** Starts a run that holds its group; if it was cancelled meanwhile, the group moves on. */
  private async launchHolding(run: RunRecord, attempt: number): Promise<Started> {
    const started = await this.launch(run, attempt);
    if (started.status !== 'running') await this.runEnded(run.run_id);
    return started;
  }

  /** The queued run `runId` now holds the group: start it. False if it is no longer waiting to. */
  private async startQueued(runId: string, attempt: number): Promise<boolean> {
    const run = await this.deps.store.runs.get(runId);
    if (!run || run.status !== 'pending' || !this.deps.workflows.find(run.workflow)) return false;
    return (await this.launch(run, attempt)).status === 'running';
  }

  /** Marks the run running (if it waited) and starts its execution. */
  private async launch(run: RunRecord, attempt: number): Promise<Started> {
    const { store, executions } = this.deps;
    const input = this.inputOf(run, attempt);
    const arn = this.arnOf(run.workflow, input);
    let current = run;
    if (current.status === 'pending') {
      try {
        current = await store.runs.update(run.run_id, { status: 'running', execution_arn: arn }, { expectedVersion: run.version });
      } catch (error) {
        // Closes: a cancel of the waiting run landing as it leaves the queue: the
        // cancel's write stands and nothing starts.
        if (!(error instanceof VersionConflictError)) throw error;
        const now = await store.runs.get(run.run_id);
        if (!now || now.status !== 'running' || now.execution_arn !== arn) return now ? answer(now) : answer(run);
        current = now;
      }
    }
    await executions.start(run.workflow, executionName(run.run_id, attempt), input);
    // Closes: a cancel (a newer run taking the group over) landing while this
    // execution starts: its StopExecution may have come before the execution
    // existed. The cancel's flag is written before its stop, so reading it after
    // the start sees it whenever the stop missed.
    if ((await store.runs.get(run.run_id))?.control === 'cancel') await executions.stop(arn, ErrorNames.RunCancelled, 'cancelled while it was being started');
    if (attempt === 1) this.deps.metrics?.runStarted(run.workflow);
    this.deps.log?.info('run.started', { run_id: run.run_id, workflow: run.workflow, attempt, execution_arn: arn });
    return { run_id: run.run_id, execution_arn: arn, status: current.status };
  }

  /** `cancel_in_progress`: the run that held the group is cancelled. */
  private async supersede(runId: string, by: string, key: string): Promise<void> {
    const { store, executions } = this.deps;
    const old = await store.runs.get(runId);
    if (!old || TERMINAL_RUN_STATUSES.includes(old.status)) return;
    try {
      await store.runs.requestControl(runId, 'cancel');
    } catch (error) {
      if ((error as Error).name === ErrorNames.RunFinished) return;
      throw error;
    }
    this.deps.log?.info('run.superseded', { run_id: runId, by, group: key });
    const after = old.status === 'running' ? old : await this.markCancelled(old);
    if (after.status === 'running' && after.execution_arn) {
      await executions.stop(after.execution_arn, ErrorNames.RunCancelled, `superseded by run ${by} in concurrency group ${key} (cancel_in_progress)`);
    }
  }

  private async isOver(runId: string): Promise<boolean> {
    const run = await this.deps.store.runs.get(runId);
    return !run || TERMINAL_RUN_STATUSES.includes(run.status);
  }

  private arnOf(workflow: string, input: ExecutionInput): string {
    return this.deps.executions.arnFor(workflow, executionName(input.run.id, input.run.attempt), input);
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }
}

function answer(run: RunRecord): Started {
  return { run_id: run.run_id, execution_arn: run.execution_arn ?? '', status: run.status };
}

function relaunchRefusal(runId: string, status: RunStatus, mode: RelaunchMode): string {
  if (status === 'succeeded') return `run ${runId} has succeeded; there is nothing to ${mode}`;
  if (status === 'running' || status === 'pending') return `run ${runId} is ${status}; there is nothing to ${mode}`;
  const other = mode === 'resume' ? 'retry' : 'resume';
  return `run ${runId} is ${status}: ${other} it instead (POST /runs/${runId}/${other})`;
}
