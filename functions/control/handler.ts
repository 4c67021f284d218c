import { ControlEvent, eventProblems } from '../../compiler/contract/index.ts';
import { awsDeps, LambdaEnv, readEnv } from '../runtime/aws-deps.ts';
import { runControl, type ControlDeps } from '../runtime/control/control.ts';
import { InputInvalidError } from '../runtime/errors.ts';
import { lambdaEntry, type BatonMetrics } from '../runtime/observability.ts';

/** The control Lambda: the run's own Task states (start, finish, dependency barrier). */
export function createControlHandler(deps: ControlDeps) {
  return async (event: unknown): Promise<unknown> => {
    const parsed = ControlEvent.safeParse(event);
    if (!parsed.success) throw new InputInvalidError(`the control Lambda got an event that is not a Baton control event: ${eventProblems(parsed.error)}`);
    return runControl(parsed.data, deps);
  };
}

/** `RunsSucceeded` and `RunsFailed`: a run's own end is recorded here, so it is counted here. */
export function countRunEnds(handler: (event: unknown) => Promise<unknown>, metrics: Pick<BatonMetrics, 'runSucceeded' | 'runFailed'>) {
  return async (event: unknown): Promise<unknown> => {
    const answer = await handler(event);
    const { kind, run } = event as { kind?: string; run?: { workflow?: string } };
    if (run?.workflow && kind === 'run.succeeded') metrics.runSucceeded(run.workflow);
    if (run?.workflow && kind === 'run.failed') metrics.runFailed(run.workflow);
    return answer;
  };
}

/** The Lambda entry: environment read once, at cold start. */
export const handler = lambdaEntry('baton-control', (observability) =>
  countRunEnds(createControlHandler(awsDeps(readEnv(LambdaEnv), { capture: observability.capture })), observability.metrics),
);
