/**
 * The target of an EventBridge rule on Step Functions' own events (source
 * `aws.states`, detail-type `Step Functions Execution Status Change`, the
 * workflows' state machines): records the ends of executions that no state of
 * the run recorded (a stop, a timeout, a failure outside any step), settles the
 * steps left running, gives the run's concurrency group to the run queued behind
 * it and starts that one (starter/execution-ended.ts). No polling.
 *
 * Environment: as the API's (`BATON_TABLE`, `BATON_STATE_MACHINE_PREFIX`, `BATON_MANIFEST`).
 */
import { z } from 'zod';
import { lambdaEntry, type BatonLogger, type BatonMetrics } from '../runtime/observability.ts';
import { recordExecutionEnd, type EndOutcome } from '../runtime/starter/execution-ended.ts';
import { awsStarter } from '../runtime/starter/aws-starter.ts';
import { RunStarter } from '../runtime/starter/starter.ts';

export const ExecutionStatusChange = z.looseObject({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.looseObject({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().optional(),
    name: z.string().optional(),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    input: z.string().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
    redriveCount: z.number().int().nullish(),
  }),
});

export function createEventsHandler(deps: { starter: RunStarter; metrics?: Pick<BatonMetrics, 'runFailed'>; logger?: BatonLogger }) {
  return async (event: unknown): Promise<EndOutcome> => {
    const parsed = ExecutionStatusChange.safeParse(event);
    if (!parsed.success) {
      // Not an event this rule should send: say so, and do not make EventBridge retry it.
      deps.logger?.warn('events.ignored', { problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return { ignored: 'not a Step Functions Execution Status Change event' };
    }
    const { detail } = parsed.data;
    const outcome = await recordExecutionEnd({ starter: deps.starter, metrics: deps.metrics, log: deps.logger }, detail);
    deps.logger?.info('events.handled', { execution_arn: detail.executionArn, execution_status: detail.status, ...outcome });
    return outcome;
  };
}

export const handler = lambdaEntry('baton-events', (observability) => {
  return createEventsHandler({ starter: awsStarter(observability, import.meta.url).starter, metrics: observability.metrics, logger: observability.logger });
});
