/**
 * The contract's Lambda roles, each bound to the handler that serves it: the
 * same handler functions the deployed Lambdas export, built with the host's
 * dependencies. The local engine binds every Task state through this map.
 */
import type { LambdaRole } from '../compiler/contract/index.ts';
import { createControlHandler } from './control/handler.ts';
import { createFunctionHandler } from './function/handler.ts';
import type { ControlDeps } from './runtime/control/control.ts';
import type { RuntimeDeps } from './runtime/invoke-step.ts';
import { createStepHandler } from './step/handler.ts';

export type Handler = (event: unknown) => Promise<unknown>;

export function handlerForRole(role: LambdaRole, deps: RuntimeDeps & ControlDeps): Handler {
  switch (role.kind) {
    case 'control':
      return createControlHandler(deps);
    case 'function':
      return createFunctionHandler(role.file, deps);
    default:
      return createStepHandler({ kind: role.kind }, deps);
  }
}
