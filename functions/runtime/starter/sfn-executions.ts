/**
 * The starter's port on AWS: Step Functions. A workflow's state machine ARN is
 * `BATON_STATE_MACHINE_PREFIX` + its name (the stack names them so), and an
 * execution's ARN follows from it and the execution's name, so the run record
 * can hold the ARN before the execution exists.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionInput } from '../../../compiler/contract/index.ts';
import type { ExecutionDescription, ExecutionPort, ExecutionStatus } from './executions.ts';

/** Step Functions' limits on StopExecution's error and cause. */
const MAX_ERROR_CHARS = 256;
const MAX_CAUSE_CHARS = 32_768;

export class StepFunctionsExecutions implements ExecutionPort {
  private readonly sfn: SFNClient;
  private readonly prefix: string;

  /** `stateMachinePrefix`: `arn:aws:states:<region>:<account>:stateMachine:<prefix>`. */
  constructor(sfn: SFNClient, stateMachinePrefix: string) {
    this.sfn = sfn;
    this.prefix = stateMachinePrefix;
  }

  stateMachineArn(workflow: string): string {
    return `${this.prefix}${workflow}`;
  }

  arnFor(workflow: string, name: string): string {
    return `${this.stateMachineArn(workflow).replace(':stateMachine:', ':execution:')}:${name}`;
  }

  async start(workflow: string, name: string, input: ExecutionInput): Promise<string> {
    const arn = this.arnFor(workflow, name);
    try {
      const result = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn(workflow), name, input: JSON.stringify(input) }));
      return result.executionArn ?? arn;
    } catch (error) {
      // The name is taken: by this very execution once it has closed (a start
      // repeated late), which is what was asked; by another run, never silently.
      if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
      const existing = await this.describe(arn);
      if (existing?.runId !== input.run.id) throw error;
      return arn;
    }
  }

  async describe(arn: string): Promise<ExecutionDescription | undefined> {
    try {
      const result = await this.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      const run = runOf(result.input);
      return {
        arn,
        status: (result.status ?? 'RUNNING') as ExecutionStatus,
        ...(run?.id ? { runId: run.id } : {}),
        ...(typeof run?.attempt === 'number' ? { attempt: run.attempt } : {}),
        ...(result.error ? { error: result.error } : {}),
        ...(result.cause ? { cause: result.cause } : {}),
      };
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }

  async stop(executionArn: string, error: string, cause: string): Promise<void> {
    try {
      await this.sfn.send(new StopExecutionCommand({ executionArn, error: error.slice(0, MAX_ERROR_CHARS), cause: cause.slice(0, MAX_CAUSE_CHARS) }));
    } catch (failure) {
      // Nothing to stop: the execution never started (a run that was only queued).
      if ((failure as { name?: string }).name !== 'ExecutionDoesNotExist') throw failure;
    }
  }

  consoleUrl(arn: string): string | null {
    return stepFunctionsConsoleUrl(arn);
  }
}

/** The Step Functions console page of an execution, in the execution's own region; null for an ARN that is not AWS's. */
export function stepFunctionsConsoleUrl(arn: string): string | null {
  const [prefix, partition, service, region] = arn.split(':');
  if (prefix !== 'arn' || service !== 'states' || !region) return null;
  const host = partition === 'aws-cn' ? 'console.amazonaws.cn' : partition === 'aws-us-gov' ? 'console.amazonaws-us-gov.com' : partition === 'aws' ? `${region}.console.aws.amazon.com` : undefined;
  if (!host) return null;
  return `https://${host}/states/home?region=${region}#/v2/executions/details/${arn}`;
}

/** The `run` block of an execution's input, if it has one. */
export function runOf(input: string | undefined | null): { id?: string; attempt?: number; workflow?: string } | undefined {
  if (!input) return undefined;
  try {
    const parsed = JSON.parse(input) as { run?: { id?: unknown; attempt?: unknown; workflow?: unknown } };
    const run = parsed?.run;
    if (!run || typeof run !== 'object') return undefined;
    return {
      ...(typeof run.id === 'string' ? { id: run.id } : {}),
      ...(typeof run.attempt === 'number' ? { attempt: run.attempt } : {}),
      ...(typeof run.workflow === 'string' ? { workflow: run.workflow } : {}),
    };
  } catch {
    return undefined;
  }
}
