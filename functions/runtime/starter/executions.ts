/**
 * The starter's port to whatever runs executions: Step Functions on AWS
 * (sfn-executions.ts), the local engine under `baton serve`
 * (cli/engine/local-executions.ts). It extends the runtime's `Executions`
 * (stop, used at step boundaries) with what starting a run needs.
 */
import type { ExecutionInput } from '../../../compiler/contract/index.ts';
import type { Executions } from '../runtime-deps.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface ExecutionDescription {
  arn: string;
  status: ExecutionStatus;
  /** From the execution's input: which run, and which execution of it. */
  runId?: string;
  attempt?: number;
  error?: string;
  cause?: string;
}

export interface ExecutionPort extends Executions {
  /**
   * The ARN the execution named `name` of `workflow` gets, known before it
   * starts: the run record holds it first, so `run.start` finds the run.
   */
  arnFor(workflow: string, name: string, input: ExecutionInput): string;
  /**
   * Starts the execution and answers its ARN. Starting it again with the same
   * name and input is harmless (Step Functions' own idempotency while it is open).
   */
  start(workflow: string, name: string, input: ExecutionInput): Promise<string>;
  /** The execution, or undefined if none has that ARN. */
  describe(arn: string): Promise<ExecutionDescription | undefined>;
  /** Where a person looks at the execution (the Step Functions console), or null. */
  consoleUrl(arn: string): string | null;
}
