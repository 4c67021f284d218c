/**
 * What the step runtime needs from its host. The Lambda handler and the local engine
 * build one of these each (DynamoDB or dynalite, Secrets Manager or the environment,
 * Step Functions or the store for task tokens) and hand it to `invokeStep`.
 */

import type { FunctionLoader } from './function-loader.ts';
import type { Redactor } from './redact.ts';
import type { SecretResolver } from './secrets.ts';
import type { CheckpointStore, RunRecord, StepCheckpoint, StepKey } from './store/index.ts';
import type { TaskTokens } from './task-tokens.ts';

/** Stops an execution (pause and cancel, at a step boundary): StopExecution on AWS, the local engine locally. */
export interface Executions {
  stop(executionArn: string, error: string, cause: string): Promise<void>;
}

export interface RuntimeDeps {
  store: CheckpointStore;
  secrets: SecretResolver;
  tokens: TaskTokens;
  functions: FunctionLoader;
  executions?: Executions;
  /**
   * Where a step reads its run (its control flag) at its boundary. Default: the
   * store, as a Lambda must. The local engine passes the view its own poller keeps
   * fresh (a pause from another terminal is seen within its poll interval).
   */
  runView?: (runId: string) => Promise<RunRecord | undefined>;
  /** HTTP client for http steps and agent providers. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Clock for timestamps. */
  now?: () => Date;
  /** How long one call may wait on a working agent before returning `{ done: false }`. Default 60 s. */
  agentPollBudgetMs?: number;
  /** Pause between two looks at a working agent. Default 1 s. */
  agentPollIntervalMs?: number;
  /** Time limit of one HTTP request (http steps, agent calls). Default 5 min. */
  httpTimeoutMs?: number;
  /**
   * Outputs whose JSON is larger than this travel as a `ResultRef`. Default 200 KB:
   * Step Functions' 256 KB limit covers the whole state, not one step's share of it.
   */
  maxOutputBytes?: number;
  /** Structured events (already redacted); the Lambda prints them as JSON lines. */
  log?: (event: object) => void;
}

/** What a step kind gets besides its invocation. */
export interface KindContext {
  deps: RuntimeDeps;
  key: StepKey;
  attempt: number;
  /** The checkpoint as it was before this call (a poll reads the agent's progress from it). */
  checkpoint: StepCheckpoint | undefined;
  /** Knows every secret resolved for this invocation. */
  redactor: Redactor;
  fetch: typeof fetch;
  now: () => Date;
}

/** A kind either has a result, or is not finished yet (agent still working, approval waiting). */
export type KindOutcome = { done: true; result: unknown } | { done: false };
