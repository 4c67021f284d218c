import { runControl, type ControlDeps, type ControlPayload } from '../runtime/control/control.ts';
import { ErrorNames } from '../runtime/errors.ts';

const KINDS = new Set(['run.start', 'run.finish', 'barrier.wait', 'barrier.done']);

/** The control Lambda: the run's own Task states (start, finish, dependency barrier). */
export function createControlHandler(deps: ControlDeps) {
  return async (event: ControlPayload) => {
    if (!event || !KINDS.has(event.kind)) {
      throw Object.assign(new Error(`the control Lambda got an event of kind ${JSON.stringify(event?.kind)}`), { name: ErrorNames.InputInvalid });
    }
    return runControl(event, deps);
  };
}
