/**
 * One execution of a compiled definition on aws-local-stepfunctions. The
 * interpreter decides what runs when (retries, catches, choices, parallelism,
 * maps); every Task state is bound to its role's handler (bindings.ts). This
 * file only starts the interpreter, watches the run's control flag, and stops
 * the execution on pause, cancel or interrupt.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import type { ExecutionInput, LambdaRole } from '../../compiler/contract/index.ts';
import type { Handler } from '../../functions/handlers.ts';
import type { CheckpointStore, RunRecord, RunStatus } from '../../functions/runtime/store/index.ts';
import { bindTask, type BindingHost, type TaskHandler } from './bindings.ts';
import type { LocalTaskTokens } from './local-tokens.ts';
import { prepareForLocal, walkStates } from './asl-local.ts';
import { ProgressTracker, type ProgressEvent } from './progress.ts';
import type { CompileResult } from '../../compiler/index.ts';

/** One entry of aws-local-stepfunctions' event log, as far as Baton reads it. */
export interface InterpreterEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string };
  index?: number;
}

export type StopReason = 'paused' | 'cancelled' | 'interrupted';

export interface ExecutionOptions {
  arn: string;
  compiled: CompileResult & { asl: Record<string, unknown> };
  input: ExecutionInput;
  store: CheckpointStore;
  tokens: LocalTaskTokens;
  handler(role: LambdaRole): Handler;
  runChild(input: unknown): Promise<unknown>;
  onProgress?: (event: ProgressEvent) => void;
  onStateEvent?: (event: InterpreterEvent) => void;
  /** The wait between polls of a long agent run (the definition says 10 s). */
  agentPollWaitMs?: number;
  controlPollMs?: number;
  /**
   * `$$.Execution.RedriveCount`. A local execution is never redriven (`baton
   * resume` starts a new one), so 0, except where a test re-enters a failed
   * state as Step Functions' redrive does.
   */
  redriveCount?: number;
}

export class LocalExecution {
  readonly arn: string;
  private readonly options: ExecutionOptions;
  private readonly abort = new AbortController();
  private stopping: StopReason | undefined;
  private readonly inFlight = { count: 0 };
  private execution: ReturnType<StateMachine['run']> | undefined;
  /** The run as this execution's poller last read it: what its steps check at their boundary. */
  lastRun: RunRecord | undefined;
  /** Why the execution failed, as the interpreter says (the run record may know better). */
  error: { name: string; cause: string } | undefined;

  constructor(options: ExecutionOptions) {
    this.options = options;
    this.arn = options.arn;
  }

  get runId(): string {
    return this.options.input.run.id;
  }

  /**
   * Stops the execution. A pause (or cancel) found at a step boundary waits for the
   * steps in flight; an interrupt (Ctrl-C) and a cancel stop at once.
   */
  stop(how: StopReason): void {
    if (this.stopping) return;
    this.stopping = how;
    const finish = () => (this.inFlight.count === 0 || how !== 'paused' ? this.execution?.abort() : setTimeout(finish, 20));
    finish();
  }

  get stoppedBy(): StopReason | undefined {
    return this.stopping;
  }

  /** Runs to the end; resolves with how it ended (`failed` when the definition failed). */
  async run(): Promise<'succeeded' | 'failed' | StopReason> {
    const { options } = this;
    const runId = options.input.run.id;
    const asl = prepareForLocal(options.compiled.asl);
    const host: BindingHost = {
      handler: options.handler,
      tokens: options.tokens,
      stopping: () => this.stopping !== undefined,
      stop: (how) => this.stop(how),
      inFlight: this.inFlight,
      signal: this.abort.signal,
      runChild: options.runChild,
    };
    const roles = options.compiled.resources?.lambdas ?? {};
    const handlers: Record<string, TaskHandler> = {};
    const waitTimeOverrides: Record<string, number> = {};
    for (const [name, state] of walkStates(asl)) {
      if (state.Type === 'Task') handlers[name] = bindTask(state, roles, host);
      if (state.Type === 'Wait' && name.endsWith('.wait')) waitTimeOverrides[name] = options.agentPollWaitMs ?? 1000;
    }
    this.lastRun = await options.store.runs.get(runId);
    // Stopped before its first state (a Ctrl-C while it was being set up): nothing ran.
    if (this.stopping) return this.stopping;
    const progress = new ProgressTracker(options.compiled, runId, options.onProgress);
    const machine = new StateMachine(asl as never, { validationOptions: { noValidate: true } });
    this.execution = machine.run(options.input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides },
      context: { Task: { Token: 'local' }, Execution: { Id: this.arn, Name: runId, StartTime: options.input.run.started_at, RedriveCount: options.redriveCount ?? 0 } } as never,
    });
    progress.runStarted(options.input.run.attempt);
    const events = progress.consume(options.onStateEvent ? tap(this.execution.eventLogs, options.onStateEvent) : this.execution.eventLogs);
    // Pause and cancel from another process: the poller stops the execution at the
    // next step boundary (or at once, when all steps wait), and keeps the run its
    // steps check at their boundary.
    const poller = setInterval(async () => {
      try {
        const run = await options.store.runs.get(runId);
        this.lastRun = run;
        if (run?.control === 'cancel') this.stop('cancelled');
        else if (run?.control === 'pause') this.stop('paused');
      } catch {
        // the store answers next time
      }
    }, options.controlPollMs ?? 300);
    let outcome: 'succeeded' | 'failed' | StopReason;
    try {
      await this.execution.result;
      outcome = 'succeeded';
    } catch (error) {
      outcome = this.stopping ?? 'failed';
      const cause = (error as { cause?: { name?: string; message?: string } }).cause ?? (error as Error);
      this.error = { name: cause.name ?? 'States.Runtime', cause: cause.message ?? String(error) };
    } finally {
      clearInterval(poller);
      this.abort.abort(new Error('execution ended'));
    }
    await events;
    progress.runEnded(outcome as RunStatus);
    return outcome;
  }
}

async function* tap<T>(events: AsyncIterable<T>, each: (event: InterpreterEvent) => void): AsyncGenerator<T> {
  for await (const event of events) {
    each(event as InterpreterEvent);
    yield event;
  }
}
