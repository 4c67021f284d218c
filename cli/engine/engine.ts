import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { compile, formatDiagnostic, type CompileResult } from '../../compiler/index.ts';
import { executionInputProblem, type ExecutionInput, type LambdaRole, type RunState } from '../../compiler/contract/index.ts';
import { checkInputs } from '../../functions/runtime/control/inputs.ts';
import { RunOwnedError } from '../../functions/runtime/errors.ts';
import { LocalFunctionLoader } from '../../functions/runtime/function-loader.ts';
import { handlerForRole, type Handler } from '../../functions/handlers.ts';
import type { RuntimeDeps } from '../../functions/runtime/invoke-step.ts';
import { EnvSecrets, type SecretResolver } from '../../functions/runtime/secrets.ts';
import type { CheckpointStore, RunOwner, RunStatus } from '../../functions/runtime/store/index.ts';
import { checkFunctions } from '../check-functions.ts';
import { checkWorkflows, findChildDefinition } from '../check-workflows.ts';
import { DiagnosticsError, UsageError } from '../usage-error.ts';
import { LocalExecution, type InterpreterEvent, type StopReason } from './execution.ts';
import { Lease } from './lease.ts';
import { LocalTaskTokens } from './local-tokens.ts';
import type { ProgressEvent } from './progress.ts';

export type { InterpreterEvent };

export interface EngineOptions {
  store: CheckpointStore;
  secrets?: SecretResolver;
  fetch?: typeof fetch;
  /** Answer every agent step with the built-in echo agent (offline). */
  echoAgents?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** How long one agent call waits on a working agent before the state machine polls again. */
  agentPollBudgetMs?: number;
  /** How often one agent call looks at a working agent within its budget (default 1 s). */
  agentPollIntervalMs?: number;
  /** The wait between polls of a long agent run (the definition says 10 s; locally 1 s). */
  agentPollWaitMs?: number;
  /** Every event of the interpreter's log (StateEntered, StateRetried …), for benchmarks and debugging. */
  onStateEvent?: (event: InterpreterEvent) => void;
  /** How often the engine reads the run's control flag (pause/cancel from another process). */
  controlPollMs?: number;
  /** How often this process renews its lease on a run it executes (default 2 s). */
  leaseRenewMs?: number;
}

export interface RunRequest {
  file: string;
  inputs?: Record<string, unknown>;
  runId?: string;
  trigger?: unknown;
}

export interface RunOutcome {
  runId: string;
  status: RunStatus;
}

export interface Definition {
  file: string;
  compiled: CompileResult & { asl: Record<string, unknown> };
}

/** A lease not renewed for this long belongs to a process that is gone. */
export const LEASE_STALE_MS = 15_000;

/**
 * Runs compiled workflows on this machine: the ASL the compiler emits, executed
 * by aws-local-stepfunctions (execution.ts), every Task state bound to the same
 * handler a Lambda runs (bindings.ts, through functions/handlers.ts). The engine
 * is the local starter: it checks the inputs, records the run and holds it (a
 * lease) while this process executes it.
 */
export class LocalEngine {
  private readonly options: EngineOptions;
  private readonly store: CheckpointStore;
  private readonly tokens: LocalTaskTokens;
  private readonly secrets: SecretResolver;
  private readonly owner = { id: randomUUID(), pid: process.pid, host: hostname() };
  private readonly executions = new Map<string, LocalExecution>();
  /** The last compile of each definition file, reused while its text is the same (`baton serve` starts many runs of one file). */
  private readonly compiles = new Map<string, { text: string; compiled: ReturnType<typeof compile> }>();
  /** Set by `interrupt()`: executions that start afterwards stop at once. */
  private interrupted = false;

  constructor(options: EngineOptions) {
    this.options = options;
    this.store = options.store;
    this.tokens = new LocalTaskTokens(options.store);
    this.secrets = options.secrets ?? new EnvSecrets();
  }

  /** Compiles `file`, checks the inputs, records the run and executes it to the end. */
  async run(request: RunRequest): Promise<RunOutcome> {
    const definition = await this.load(request.file);
    const workflow = definition.compiled.workflow!;
    const checked = checkInputs(workflow.inputs, request.inputs ?? {});
    const runId = request.runId ?? newRunId(workflow.name);
    const startedAt = new Date().toISOString();
    const state: ExecutionInput = { inputs: checked.inputs, run: { id: runId, workflow: workflow.name, started_at: startedAt, attempt: 1 }, trigger: request.trigger ?? null, steps: {} };
    // Too large for Step Functions, though not for the interpreter: refused here as on AWS.
    const tooLarge = checked.problems.length === 0 ? executionInputProblem(state) : undefined;
    const problems = tooLarge ? [tooLarge] : checked.problems;
    if (problems.length > 0) throw new UsageError(`${request.file}: the inputs are wrong:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    await this.store.runs.create({ run_id: runId, workflow: workflow.name, inputs: checked.inputs, trigger: request.trigger, status: 'running', started_at: startedAt, execution_arn: localArn(definition.file, runId, 1) });
    return this.hold(runId, () => this.execute(definition, state));
  }

  /**
   * Continues a failed, cancelled, paused or interrupted run from its checkpoints:
   * a new execution of the same definition with the same run id; steps whose
   * checkpoint says succeeded return their stored outputs without running again.
   * Refused while another live process holds the run.
   */
  async resume(runId: string): Promise<RunOutcome> {
    const run = await this.store.runs.get(runId);
    if (!run) throw new UsageError(`no run ${runId}`);
    if (run.status === 'succeeded') throw new UsageError(`run ${runId} has already succeeded; nothing to resume`);
    const parsed = parseLocalArn(run.execution_arn);
    if (!parsed) throw new UsageError(`run ${runId} was not started by this machine's engine; resume it where it runs`);
    const definition = await this.load(parsed.file);
    const attempt = parsed.attempt + 1;
    return this.hold(runId, async () => {
      await this.store.runs.requestControl(runId, null).catch(() => undefined);
      await this.store.runs.update(runId, { status: 'running', error: null, ended_at: null, execution_arn: localArn(parsed.file, runId, attempt) });
      const state: ExecutionInput = { inputs: run.inputs, run: { id: runId, workflow: run.workflow, started_at: run.started_at, attempt }, trigger: run.trigger ?? null, steps: {} };
      return this.execute(definition, state);
    });
  }

  /**
   * Executes a run that another starter recorded (`baton serve`'s, through the
   * run starter): `input` is the execution's first state, as StartExecution
   * would get it. This process holds the run while it runs.
   */
  async start(file: string, input: ExecutionInput): Promise<RunOutcome> {
    const definition = await this.load(file);
    return this.hold(input.run.id, () => this.execute(definition, input));
  }

  /** Stops every execution of this engine: Ctrl-C. Steps in flight are left for a resume to run again. */
  interrupt(): void {
    this.interrupted = true;
    for (const execution of this.executions.values()) execution.stop('interrupted');
  }

  /** The definition a run of this engine was started from. */
  async definitionOf(runId: string): Promise<Definition | undefined> {
    const run = await this.store.runs.get(runId);
    const parsed = parseLocalArn(run?.execution_arn);
    return parsed ? this.load(parsed.file).catch(() => undefined) : undefined;
  }

  async load(file: string): Promise<Definition> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`${file}: no such file`);
    }
    const cached = this.compiles.get(file);
    const compiled = cached?.text === text ? cached.compiled : compile(text);
    this.compiles.set(file, { text, compiled });
    // What only fails at run time otherwise: a function file or export, a child workflow, that is not there.
    const found = compiled.asl ? [...(await checkFunctions(file, compiled)), ...(await checkWorkflows(file, compiled))] : [];
    if (!compiled.asl || found.length > 0) throw new DiagnosticsError([...compiled.diagnostics, ...found].map((d) => formatDiagnostic(file, d)));
    return { file: resolve(file), compiled: compiled as Definition['compiled'] };
  }

  /** Takes the run's lease (refusing a run another live process holds), runs `body`, gives the lease up. */
  private async hold(runId: string, body: () => Promise<RunOutcome>): Promise<RunOutcome> {
    const lease = new Lease(this.store, runId, this.owner, { renewMs: this.options.leaseRenewMs ?? 2000, staleAfterMs: LEASE_STALE_MS });
    try {
      await lease.take();
    } catch (error) {
      if (error instanceof RunOwnedError) throw new UsageError(`${error.message}; wait for it, or stop it with: baton pause ${runId}`);
      throw error;
    }
    try {
      return await body();
    } finally {
      await lease.release();
    }
  }

  private async execute(definition: Definition, input: ExecutionInput): Promise<RunOutcome> {
    const runId = input.run.id;
    const arn = localArn(definition.file, runId, input.run.attempt);
    const deps = this.deps(definition);
    const handlers = new Map<string, Handler>();
    const execution = new LocalExecution({
      arn,
      compiled: definition.compiled,
      input,
      store: this.store,
      tokens: this.tokens,
      handler: (role: LambdaRole) => {
        const key = JSON.stringify(role);
        if (!handlers.has(key)) handlers.set(key, this.echoing(role, handlerForRole(role, deps)));
        return handlers.get(key)!;
      },
      runChild: (child) => this.runChild(definition, child as RunState),
      onProgress: this.options.onProgress,
      onStateEvent: this.options.onStateEvent,
      agentPollWaitMs: this.options.agentPollWaitMs,
      controlPollMs: this.options.controlPollMs,
    });
    this.executions.set(arn, execution);
    // Started after a Ctrl-C (baton serve closing while a request starts a run): it stops
    // before its first state and is recorded interrupted, for a resume to run.
    if (this.interrupted) execution.stop('interrupted');
    let outcome: Awaited<ReturnType<LocalExecution['run']>>;
    try {
      outcome = await execution.run();
    } finally {
      this.executions.delete(arn);
    }
    const status = await this.record(runId, outcome, execution);
    return { runId, status };
  }

  /** Writes how the execution ended where no state of it did: a stop, or a failure outside any step. */
  private async record(runId: string, outcome: 'succeeded' | 'failed' | StopReason, execution: LocalExecution): Promise<RunStatus> {
    const now = new Date().toISOString();
    if (outcome === 'succeeded') return 'succeeded';
    if (outcome === 'failed') {
      const run = await this.store.runs.get(runId);
      if (run?.status !== 'failed') await this.store.runs.update(runId, { status: 'failed', error: execution.error ?? { name: 'States.Runtime', cause: 'the execution failed' }, ended_at: now });
      return 'failed';
    }
    // A stopped run's steps that were still going are settled: a resume starts them again.
    const steps = await this.store.steps.list(runId);
    for (const step of steps.filter((s) => s.status === 'running' || s.status === 'waiting')) {
      if (outcome === 'cancelled') await this.store.steps.settle(runId, { step: step.step, index: step.index }, 'failed', { name: 'Baton.RunCancelled', message: 'the run was cancelled while the step ran' });
      else if (step.status === 'running') await this.store.steps.setStatus(runId, { step: step.step, index: step.index }, 'pending');
    }
    await this.store.runs.update(runId, { status: outcome, ended_at: outcome === 'cancelled' ? now : null });
    await this.store.runs.requestControl(runId, null).catch(() => undefined);
    return outcome;
  }

  private deps(definition: Definition): RuntimeDeps & { executions: { stop(arn: string, error: string): Promise<void> } } {
    return {
      store: this.store,
      secrets: this.secrets,
      tokens: this.tokens,
      functions: new LocalFunctionLoader(dirname(definition.file)),
      fetch: this.options.fetch,
      agentPollBudgetMs: this.options.agentPollBudgetMs,
      agentPollIntervalMs: this.options.agentPollIntervalMs,
      // A step checks the run as its execution's poller last read it (the store only until the first poll).
      runView: async (runId: string) => {
        const seen = [...this.executions.values()].find((e) => e.runId === runId)?.lastRun;
        return seen ?? this.store.runs.get(runId);
      },
      // Pause and cancel found at a step boundary: the step's handler stops the execution, as StopExecution would.
      executions: {
        stop: async (arn: string, error: string) => this.executions.get(arn)?.stop(error === 'Baton.RunCancelled' ? 'cancelled' : 'paused'),
      },
    };
  }

  /** `--echo-agents`: every agent step answers with the built-in echo agent, its secrets unread. */
  private echoing(role: LambdaRole, handler: Handler): Handler {
    if (!this.options.echoAgents || role.kind !== 'agent') return handler;
    return (event) => {
      const e = event as { config?: Record<string, unknown>; templates?: Array<Array<string | number>> };
      const templates = (e.templates ?? []).filter((path) => path[0] !== 'config');
      return handler({ ...e, config: { ...e.config, provider: { provider: 'echo' } }, templates });
    };
  }

  /** `startExecution.sync:2`: the child workflow runs to its end in this engine, then the parent goes on. */
  private async runChild(parent: Definition, input: RunState): Promise<unknown> {
    const childName = input.run.workflow;
    const file = await findChildDefinition(dirname(parent.file), childName);
    if (!file) throw Object.assign(new Error(`no definition of workflow '${childName}' next to ${parent.file}`), { name: 'States.TaskFailed' });
    const child = await this.load(file);
    const childRun = await this.store.runs.get(input.run.id);
    if (childRun?.status === 'succeeded') return { Output: { outputs: childRun.outputs }, Status: 'SUCCEEDED' };
    const outcome = await this.execute(child, { ...input, steps: {} } as ExecutionInput);
    const record = await this.store.runs.get(input.run.id);
    if (outcome.status === 'succeeded') return { Output: { outputs: record?.outputs ?? {} }, Status: 'SUCCEEDED' };
    const cause = JSON.stringify({ Error: record?.error?.name ?? 'States.TaskFailed', Cause: record?.error?.cause ?? outcome.status });
    throw Object.assign(new Error(cause), { name: 'States.TaskFailed' });
  }
}

export function newRunId(workflow: string): string {
  return `${workflow}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Local executions are named like ARNs so the run record says where a run can be resumed. */
export function localArn(file: string, runId: string, attempt: number): string {
  return `arn:baton:local:execution:${file}:${runId}:${attempt}`;
}

export function parseLocalArn(arn: string | undefined): { file: string; attempt: number } | undefined {
  const match = arn ? /^arn:baton:local:execution:(.+):([^:]+):(\d+)$/.exec(arn) : null;
  return match ? { file: match[1], attempt: Number(match[3]) } : undefined;
}

export type { RunOwner };
