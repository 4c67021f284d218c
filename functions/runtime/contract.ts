/**
 * The contract between the compiled state machine and the step runtime.
 *
 * Every Task state that calls Baton's step Lambda (`arn:aws:states:::lambda:invoke`,
 * or `…:lambda:invoke.waitForTaskToken`) sends one of these as its `Payload`. The
 * compiler (compiler/emit) writes them; the runtime (functions/runtime) reads them;
 * the local engine (cli/) hands them to the same runtime in-process. Change both
 * sides together.
 */

/** `$.run` in the state data: who this run is. */
export interface RunContext {
  id: string;
  workflow: string;
  started_at: string;
  /** 1 for the first execution of a run, +1 for each resume/retry. */
  attempt: number;
}

/**
 * A string that holds a secret, kept out of the state machine's data.
 *
 * `${{ secrets.T }}` is never rendered by Step Functions: the compiler replaces a
 * string that mentions a secret with this object. `parts` is static text, secret
 * names and positional arguments; `args` holds the values of the other expressions,
 * rendered by Step Functions (`States.Array(...)`). The runtime joins them at the
 * moment of use, and only at the paths listed in `StepInvocation.secrets`.
 */
export interface SecretTemplate {
  'baton:secret': Array<string | { secret: string } | { arg: number }>;
  args?: unknown[];
}

export type OutputsSpec = string[] | Record<string, string>;

interface InvocationBase {
  workflow: string;
  /**
   * The checkpoint id: the step id; for a handler `<handler>@<run attempt>` (or
   * `<handler>.from-<caller>@<run attempt>` when several steps share it), so each
   * execution's failure runs its handler anew.
   */
  step: string;
  run: RunContext;
  /** Present only under `for_each`. */
  index?: number;
  item?: unknown;
  /** Declared `outputs`: field names to keep, or name → expression over `result`. Absent: the whole result. */
  outputs?: OutputsSpec;
  /**
   * Where secret templates sit, as paths from the invocation's root
   * (e.g. `["input", "headers", "Authorization"]`). Nothing else is resolved.
   */
  secrets?: Array<Array<string | number>>;
  /** `$$.Execution.Id`: the execution the step Lambda stops on pause or cancel. */
  execution?: string;
  /** The step's `timeout`: the runtime gives up on the attempt at the same deadline as the Task state. */
  timeout_seconds?: number;
  /** The failed step's error, for `on_failure`/`on_timeout` handlers. */
  error?: { name: string; cause: string };
}

export interface FunctionInvocation extends InvocationBase {
  kind: 'function';
  /** `file` is relative to the definition file's folder; `export` defaults to `handler`. */
  config: { file: string; export: string };
  input: Record<string, unknown>;
}

export interface HttpInvocation extends InvocationBase {
  kind: 'http';
  /** `expect`: accepted status codes; ranges as `[low, high]`. Absent: 200-299. */
  config: { expect?: Array<number | [number, number]> };
  input: { method: string; url: string | SecretTemplate; headers?: Record<string, unknown>; body?: unknown };
}

export interface AgentConfig {
  provider: 'echo' | 'anthropic' | 'agentapi';
  [key: string]: unknown;
}

export interface AgentInvocation extends InvocationBase {
  kind: 'agent';
  config: { agent: string; provider: AgentConfig; format?: 'text' | 'json'; output_schema?: unknown };
  input: { prompt: string };
  /**
   * `start` submits the prompt; `poll` asks again about a submitted one. A call
   * returns `{ done: false }` when the agent is still working after the runtime's
   * time budget, and the state machine waits and polls again.
   */
  phase: 'start' | 'poll';
}

export interface ApprovalInvocation extends InvocationBase {
  kind: 'approval';
  config: { timeout_seconds: number };
  input: { message: string };
  /** `$$.Task.Token`: released by approve/reject through SendTaskSuccess/SendTaskFailure. */
  token: string;
}

export type StepInvocation = FunctionInvocation | HttpInvocation | AgentInvocation | ApprovalInvocation;

/** What the step Lambda returns to the state machine: only the declared outputs. */
export interface StepResponse {
  outputs: unknown;
  /** Agents only: false while the agent is still working. */
  done?: boolean;
}

/**
 * A result too large to travel between states (256 KB) is stored whole and travels
 * as this reference; the runtime replaces it by the stored value wherever a later
 * step's input holds it.
 */
export interface ResultRef {
  'baton:ref': { run: string; step: string; bytes: number };
}

/** The internal Task states of the run itself (bookkeeping, barriers), not user steps. */
export type ControlInvocation =
  | { kind: 'barrier.wait'; run: RunContext; step: string; needs: string[]; token: string }
  | { kind: 'barrier.done'; run: RunContext; step: string; dependents: Array<{ step: string; needs: number }>; result: { status: string; outputs?: unknown } }
  | { kind: 'run.compensations'; run: RunContext; compensations: Record<string, string> }
  | { kind: 'run.finish'; run: RunContext; outputs?: unknown; failed: boolean };
