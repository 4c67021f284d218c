import { awsDeps, LambdaEnv, readEnv } from '../runtime/aws-deps.ts';
import { FunctionNotFoundError } from '../runtime/errors.ts';
import type { FunctionLoader, StepFunction } from '../runtime/function-loader.ts';
import type { RuntimeDeps } from '../runtime/invoke-step.ts';
import { lambdaEntry } from '../runtime/observability.ts';
import { createStepHandler } from '../step/handler.ts';

/**
 * The Lambda of one user function file. Its bundle holds that file's module
 * (the stack generates a two-line entry that imports it and calls this), so
 * the code is never loaded from disk at run time.
 */
export function moduleLoader(file: string, module: Record<string, unknown>): FunctionLoader {
  return {
    async load(_file, exportName): Promise<StepFunction> {
      const fn = module[exportName];
      if (typeof fn !== 'function') throw new FunctionNotFoundError(`${file} has no exported function ${exportName}`);
      return fn as StepFunction;
    },
  };
}

export function createFunctionHandler(file: string, deps: RuntimeDeps) {
  return createStepHandler({ kind: 'function', file }, deps);
}

/** The Lambda entry for `module`, the code of `file`: environment read once, at cold start. */
export function functionLambda(file: string, module: Record<string, unknown>) {
  return lambdaEntry('baton-function', (observability) =>
    createFunctionHandler(file, { ...awsDeps(readEnv(LambdaEnv), { capture: observability.capture }), functions: moduleLoader(file, module), log: observability.stepLog() }),
  );
}
