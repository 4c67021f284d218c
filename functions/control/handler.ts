import { ControlEvent, eventProblems } from '../../compiler/contract/index.ts';
import { awsDeps, coldStart, LambdaEnv, readEnv } from '../runtime/aws-deps.ts';
import { runControl, type ControlDeps } from '../runtime/control/control.ts';
import { InputInvalidError } from '../runtime/errors.ts';

/** The control Lambda: the run's own Task states (start, finish, dependency barrier). */
export function createControlHandler(deps: ControlDeps) {
  return async (event: unknown): Promise<unknown> => {
    const parsed = ControlEvent.safeParse(event);
    if (!parsed.success) throw new InputInvalidError(`the control Lambda got an event that is not a Baton control event: ${eventProblems(parsed.error)}`);
    return runControl(parsed.data, deps);
  };
}

/** The Lambda entry: environment read once, at cold start. */
export const handler = coldStart(() => createControlHandler(awsDeps(readEnv(LambdaEnv))));
