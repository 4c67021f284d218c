import { StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { StepInvocation } from '../runtime/contract.ts';
import { ErrorNames } from '../runtime/errors.ts';
import type { FunctionLoader } from '../runtime/function-loader.ts';
import { invokeStep, type RuntimeDeps } from '../runtime/invoke-step.ts';
import { taskResult } from '../runtime/task-result.ts';

/** What `lambda:invoke` hands the step Lambda: the Task state's Payload, plus the execution to stop on pause. */
export interface StepEvent extends Record<string, unknown> {
  kind: StepInvocation['kind'];
}

/**
 * The step Lambda: parse the Payload, run the step, answer `{ status, outputs }`.
 * A thrown error keeps its `name`, which is what the state machine's Retry and
 * Catch match. Pause and cancel stop the execution here, at the step boundary,
 * with StopExecution: no step's Catch ever sees them.
 */
export function createStepHandler(deps: RuntimeDeps & { sfn: SFNClient }) {
  return async (event: StepEvent) => {
    if (typeof event?.kind !== 'string' || typeof (event as { step?: unknown }).step !== 'string') {
      throw Object.assign(new Error('the step Lambda got an event that is not a Baton step invocation'), { name: ErrorNames.InputInvalid });
    }
    try {
      return taskResult(await invokeStep(event as unknown as StepInvocation, deps));
    } catch (error) {
      const name = (error as Error).name;
      const arn = (event as { execution?: string }).execution;
      if ((name === ErrorNames.RunPaused || name === ErrorNames.RunCancelled) && arn) {
        await deps.sfn.send(new StopExecutionCommand({ executionArn: arn, error: name, cause: (error as Error).message }));
      }
      throw error;
    }
  };
}

/** The function loader of a Lambda that has no user code (http, agent, approval steps). */
export const noUserCode: FunctionLoader = {
  async load(file) {
    throw Object.assign(new Error(`${file}: this Lambda runs built-in step kinds only`), { name: ErrorNames.FunctionNotFound });
  },
};
