import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { compile, formatDiagnostic, type CompileResult } from '../../compiler/index.ts';
import type { RunContext, StepInvocation, StepResponse } from '../../functions/runtime/contract.ts';
import { runControl, type ControlPayload, type RunState } from '../../functions/runtime/control/control.ts';
import { checkInputs } from '../../functions/runtime/control/inputs.ts';
import { ErrorNames } from '../../functions/runtime/errors.ts';
import { LocalFunctionLoader } from '../../functions/runtime/function-loader.ts';
import { invokeStep, type RuntimeDeps } from '../../functions/runtime/invoke-step.ts';
import { EnvSecrets, type SecretResolver } from '../../functions/runtime/secrets.ts';
import type { CheckpointStore } from '../../functions/runtime/store.ts';
import type { RunStatus } from '../../functions/runtime/store-records.ts';
import { taskResult } from '../../functions/runtime/task-result.ts';
import { DiagnosticsError, UsageError } from '../usage-error.ts';
import { LocalTaskTokens } from './local-tokens.ts';
import { ProgressTracker, type ProgressEvent } from './progress.ts';
import { prepareForLocal, taskStates, type AslState } from './asl-local.ts';

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
}

/** One entry of aws-local-stepfunctions' event log, as far as Baton reads it. */
export interface InterpreterEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string };
  index?: number;
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

interface Definition {
  file: string;
  compiled: CompileResult & { asl: Record<string, unknown> };
}

/**
 * Runs compiled workflows on this machine: the ASL the compiler emits, executed
 * by aws-local-stepfunctions, with every Task state bound in-process to the code a
 * Lambda would run (invokeStep for steps, runControl for the run's own states).
 * The interpreter decides what runs when: retries, catches, choices, parallelism
 * and maps are its, never re-implemented here. The engine only emulates what the
 * interpreter lacks: task tokens (`.waitForTaskToken`) and child executions
 * (`startExecution.sync:2`), and stops executions on pause and cancel.
 */
export class LocalEngine {
  private readonly options: EngineOptions;
  private readonly store: CheckpointStore;
  private readonly tokens: LocalTaskTokens;
  private readonly secrets: SecretResolver;

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
    if (checked.problems.length > 0) {
      throw new UsageError(`${request.file}: the inputs are wrong:\n${checked.problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    const runId = request.runId ?? newRunId(workflow.name);
    const startedAt = new Date().toISOString();
    await this.store.createRun({
      run_id: runId,
      workflow: workflow.name,
      inputs: checked.inputs,
      trigger: request.trigger,
      status: 'running',
      started_at: startedAt,
      execution_arn: localArn(definition.file, runId, 1),
    });
    const state: RunState = { inputs: checked.inputs, run: { id: runId, workflow: workflow.name, started_at: startedAt, attempt: 1 }, trigger: request.trigger ?? null, steps: {} };
    return this.execute(definition, state);
  }

  /**
   * Continues a failed, cancelled, paused or crashed run from its checkpoints: a new
   * execution of the same definition with the same run id; steps whose checkpoint
   * says succeeded return their stored outputs without running again.
   */
  async resume(runId: string): Promise<RunOutcome> {
    const run = await this.store.getRun(runId);
    if (!run) throw new UsageError(`no run ${runId}`);
    if (run.status === 'succeeded') throw new UsageError(`run ${runId} has already succeeded; nothing to resume`);
    const parsed = parseLocalArn(run.execution_arn);
    if (!parsed) throw new UsageError(`run ${runId} was not started by this machine's engine; resume it where it runs`);
    const definition = await this.load(parsed.file);
    const attempt = parsed.attempt + 1;
    await this.store.requestControl(runId, null).catch(() => undefined);
    await this.store.updateRun(runId, { status: 'running', error: null, ended_at: null, execution_arn: localArn(parsed.file, runId, attempt) });
    const state: RunState = { inputs: run.inputs, run: { id: runId, workflow: run.workflow, started_at: run.started_at, attempt }, trigger: run.trigger ?? null, steps: {} };
    return this.execute(definition, state);
  }

  /** The definition a run of this engine was started from. */
  async definitionOf(runId: string): Promise<Definition | undefined> {
    const run = await this.store.getRun(runId);
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
    const compiled = compile(text);
    if (!compiled.asl) throw new DiagnosticsError(compiled.diagnostics.map((d) => formatDiagnostic(file, d)));
    return { file: resolve(file), compiled: compiled as Definition['compiled'] };
  }

  private async execute(definition: Definition, state: RunState): Promise<RunOutcome> {
    const runId = state.run.id;
    const asl = prepareForLocal(definition.compiled.asl);
    const abort = new AbortController();
    const control = { stopping: undefined as undefined | 'paused' | 'cancelled', inFlight: 0 };
    const progress = new ProgressTracker(definition.compiled, runId, this.options.onProgress);
    const deps: RuntimeDeps = {
      store: this.store,
      secrets: this.secrets,
      tokens: this.tokens,
      functions: new LocalFunctionLoader(dirname(definition.file)),
      fetch: this.options.fetch,
      agentPollBudgetMs: this.options.agentPollBudgetMs,
      agentPollIntervalMs: this.options.agentPollIntervalMs,
    };

    let execution: ReturnType<StateMachine['run']> | undefined;
    const stop = (how: 'paused' | 'cancelled') => {
      if (control.stopping) return;
      control.stopping = how;
      // Pause stops at a step boundary: the steps in flight finish first.
      const finish = () => (control.inFlight === 0 || how === 'cancelled' ? execution?.abort() : setTimeout(finish, 20));
      finish();
    };

    const handlers: Record<string, (input: any) => Promise<unknown>> = {};
    for (const [name, task] of taskStates(asl)) handlers[name] = this.handlerFor(name, task, definition, deps, control, stop, abort.signal);

    const waitTimeOverrides: Record<string, number> = {};
    for (const [name, st] of allStates(asl)) if (st.Type === 'Wait' && name.endsWith('.wait')) waitTimeOverrides[name] = this.options.agentPollWaitMs ?? 1000;

    const machine = new StateMachine(asl as never, { validationOptions: { noValidate: true } });
    execution = machine.run(state as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides },
      context: { Task: { Token: 'local' }, Execution: { Id: localArn(definition.file, runId, state.run.attempt), Name: runId } } as never,
    });
    progress.runStarted(state.run.attempt);
    const events = progress.consume(this.options.onStateEvent ? tap(execution.eventLogs, this.options.onStateEvent) : execution.eventLogs);
    const poller = setInterval(async () => {
      try {
        const run = await this.store.getRun(runId);
        if (run?.control === 'cancel') stop('cancelled');
        else if (run?.control === 'pause') stop('paused');
      } catch {
        // the store answers next time
      }
    }, this.options.controlPollMs ?? 300);

    let status: RunStatus;
    try {
      await execution.result;
      status = 'succeeded';
    } catch (error) {
      if (control.stopping) {
        status = control.stopping;
        await this.store.updateRun(runId, { status, ended_at: control.stopping === 'cancelled' ? new Date().toISOString() : null });
        await this.store.requestControl(runId, null).catch(() => undefined);
      } else {
        status = 'failed';
        const run = await this.store.getRun(runId);
        if (run?.status !== 'failed') {
          // The execution failed outside a step (a States.Runtime error, say): record it.
          const cause = (error as { cause?: { name?: string; message?: string } }).cause ?? (error as Error);
          await this.store.updateRun(runId, { status: 'failed', error: { name: cause.name ?? 'States.Runtime', cause: cause.message ?? String(error) }, ended_at: new Date().toISOString() });
        }
      }
    } finally {
      clearInterval(poller);
      abort.abort(new Error('execution ended'));
    }
    await events;
    progress.runEnded(status);
    return { runId, status };
  }

  /** Binds one Task state to the code its Lambda (or service integration) runs. */
  private handlerFor(
    name: string,
    task: AslState,
    definition: Definition,
    deps: RuntimeDeps,
    control: { stopping?: 'paused' | 'cancelled'; inFlight: number },
    stop: (how: 'paused' | 'cancelled') => void,
    signal: AbortSignal,
  ): (input: any) => Promise<unknown> {
    const resource = String(task.Resource);
    const never = () => new Promise<never>(() => {});

    if (resource.includes(':states:startExecution')) {
      return async (input: { Input: RunState }) => {
        if (control.stopping) return never();
        return this.runChild(definition, input.Input);
      };
    }

    const waitsForToken = resource.endsWith('.waitForTaskToken');
    const isControl = String((task.Parameters as Record<string, unknown>)?.FunctionName ?? '').includes('BatonControlFunction');

    return async (input: { Payload: Record<string, unknown> }) => {
      if (control.stopping) return never();
      const payload = { ...input.Payload };
      let token: string | undefined;
      if (waitsForToken) {
        token = `local-${randomBytes(12).toString('hex')}`;
        payload.token = token;
      }
      if (this.options.echoAgents && payload.kind === 'agent') {
        payload.config = { ...(payload.config as object), provider: { provider: 'echo' } };
        delete payload.secrets;
      }
      let response: unknown;
      control.inFlight++;
      try {
        response = isControl ? await runControl(payload as unknown as ControlPayload, { store: this.store, tokens: this.tokens }) : await invokeStep(payload as unknown as StepInvocation, deps);
      } catch (error) {
        const errorName = (error as Error).name;
        if (errorName === ErrorNames.RunPaused || errorName === ErrorNames.RunCancelled) {
          stop(errorName === ErrorNames.RunPaused ? 'paused' : 'cancelled');
          return never();
        }
        throw lambdaError(error as Error);
      } finally {
        control.inFlight--;
      }
      if (!token) return { StatusCode: 200, Payload: isControl ? response : taskResult(response as StepResponse) };
      const outcome = await this.tokens.wait(token, signal).catch(() => undefined);
      if (!outcome) return never();
      if (outcome.status === 'success') return outcome.output;
      throw Object.assign(new Error(outcome.cause), { name: outcome.error });
    };
  }

  /** `startExecution.sync:2`: the child workflow runs to its end in this engine, then the parent goes on. */
  private async runChild(parent: Definition, input: RunState): Promise<unknown> {
    const childName = input.run.workflow;
    const file = await findDefinition(dirname(parent.file), childName);
    if (!file) throw Object.assign(new Error(`no definition of workflow '${childName}' next to ${parent.file}`), { name: 'States.TaskFailed' });
    const child = await this.load(file);
    const childRun = await this.store.getRun(input.run.id);
    if (childRun?.status === 'succeeded') return { Output: { outputs: childRun.outputs }, Status: 'SUCCEEDED' };
    if (!childRun) {
      await this.store.createRun({ run_id: input.run.id, workflow: childName, inputs: input.inputs, status: 'running', started_at: input.run.started_at, execution_arn: localArn(child.file, input.run.id, input.run.attempt) });
    } else {
      await this.store.updateRun(input.run.id, { status: 'running', error: null, ended_at: null, execution_arn: localArn(child.file, input.run.id, input.run.attempt) });
    }
    const outcome = await this.execute(child, { ...input, steps: {} });
    const record = await this.store.getRun(input.run.id);
    if (outcome.status === 'succeeded') return { Output: { outputs: record?.outputs ?? {} }, Status: 'SUCCEEDED' };
    const cause = JSON.stringify({ Error: record?.error?.name ?? 'States.TaskFailed', Cause: record?.error?.cause ?? outcome.status });
    throw Object.assign(new Error(cause), { name: 'States.TaskFailed' });
  }
}

/** The error Step Functions sees from a failed Lambda: named by its type, with Lambda's JSON as the cause. */
function lambdaError(error: Error): Error {
  const cause = JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] });
  return Object.assign(new Error(cause), { name: error.name || 'Error' });
}

async function* tap<T>(events: AsyncIterable<T>, each: (event: InterpreterEvent) => void): AsyncGenerator<T> {
  for await (const event of events) {
    each(event as InterpreterEvent);
    yield event;
  }
}

function* allStates(asl: Record<string, unknown>): Generator<[string, AslState]> {
  const states = asl.States as Record<string, AslState>;
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    for (const branch of (state.Branches as Array<Record<string, unknown>> | undefined) ?? []) yield* allStates(branch);
    if (state.ItemProcessor) yield* allStates(state.ItemProcessor as Record<string, unknown>);
  }
}

export function newRunId(workflow: string): string {
  return `${workflow}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Local executions are named like ARNs so the run record says where a run can be resumed. */
function localArn(file: string, runId: string, attempt: number): string {
  return `arn:baton:local:execution:${file}:${runId}:${attempt}`;
}

function parseLocalArn(arn: string | undefined): { file: string; attempt: number } | undefined {
  const match = arn ? /^arn:baton:local:execution:(.+):([^:]+):(\d+)$/.exec(arn) : null;
  return match ? { file: match[1], attempt: Number(match[3]) } : undefined;
}

async function findDefinition(dir: string, name: string): Promise<string | undefined> {
  for (const ext of ['.yaml', '.yml', '.json']) {
    const candidate = join(dir, name + ext);
    try {
      await readFile(candidate);
      return candidate;
    } catch {
      // try the next
    }
  }
  for (const entry of await readdir(dir)) {
    if (!/\.(ya?ml|json)$/.test(entry)) continue;
    const text = await readFile(join(dir, entry), 'utf8').catch(() => '');
    if (compile(text).workflow?.name === name) return join(dir, entry);
  }
  return undefined;
}

export type { RunContext };
