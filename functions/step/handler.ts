import { StepEvents, eventProblems, type StepAnswer } from '../../compiler/contract/index.ts';
import { awsDeps, LambdaEnv, readEnv } from '../runtime/aws-deps.ts';
import { ErrorNames, InputInvalidError } from '../runtime/errors.ts';
import type { FunctionLoader } from '../runtime/function-loader.ts';
import { lambdaEntry } from '../runtime/observability.ts';
import { invokeStep, type RuntimeDeps, type StepRole, type TypedStepEvent } from '../runtime/invoke-step.ts';
import { z } from 'zod';

/**
 * A step Lambda: parse the event with the contract's schema for its kind, run the
 * step, answer its record `{ status, outputs }`. A thrown error keeps its
 * `name`, which is what the state machine's Retry and Catch match. Pause and
 * cancel stop the execution here, at the step boundary: no step's Catch ever sees
 * them. The local engine calls this same handler for every step Task.
 */
export function createStepHandler(role: StepRole, deps: RuntimeDeps) {
  const schema = StepEvents[role.kind];
  return async (event: unknown): Promise<StepAnswer> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) throw new InputInvalidError(`the ${role.kind} step Lambda got an event that is not a Baton step event: ${eventProblems(parsed.error)}`);
    const call = { role, event: parsed.data } as TypedStepEvent;
    try {
      return await invokeStep(call, deps);
    } catch (error) {
      const name = (error as Error).name;
      if ((name === ErrorNames.RunPaused || name === ErrorNames.RunCancelled) && deps.executions) {
        const arn = (await deps.store.runs.get(call.event.run.id))?.execution_arn;
        if (arn) await deps.executions.stop(arn, name, (error as Error).message);
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

const StepEnv = LambdaEnv.extend({ BATON_STEP_KIND: z.enum(['http', 'agent', 'approval']) });

/** The Lambda entry of the built-in step kinds; `BATON_STEP_KIND` says which one this function is. */
export const handler = lambdaEntry('baton-step', (observability) => {
  const env = readEnv(StepEnv);
  return createStepHandler({ kind: env.BATON_STEP_KIND }, { ...awsDeps(env, { capture: observability.capture }), functions: noUserCode, log: observability.stepLog() });
});
