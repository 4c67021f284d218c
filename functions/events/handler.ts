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
import { readEnv } from '../runtime/aws-deps.ts';
import { awsGithub, GithubLambdaEnv, log } from '../github/aws.ts';
import { reportRunEnd } from '../github/checks.ts';

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

export interface EventsDeps {
  starter: RunStarter;
  metrics?: Pick<BatonMetrics, 'runFailed'>;
  logger?: BatonLogger;
  /** Tells whoever watches a run that it ended (its GitHub check run); never throws. */
  report?: (runId: string) => Promise<unknown>;
}

export function createEventsHandler(deps: EventsDeps) {
  return async (event: unknown): Promise<EndOutcome> => {
    const parsed = ExecutionStatusChange.safeParse(event);
    if (!parsed.success) {
      // Not an event this rule should send: say so, and do not make EventBridge retry it.
      deps.logger?.warn('events.ignored', { problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return { ignored: 'not a Step Functions Execution Status Change event' };
    }
    const { detail } = parsed.data;
    const outcome = await recordExecutionEnd({ starter: deps.starter, metrics: deps.metrics, log: deps.logger }, detail);
    // Every end of a run's execution, whoever recorded it (the run's own states,
    // or this handler), brings its check run up to what the run is now.
    if (deps.report && outcome.run_id && detail.status !== 'RUNNING' && detail.status !== 'PENDING_REDRIVE') await deps.report(outcome.run_id);
    deps.logger?.info('events.handled', { execution_arn: detail.executionArn, execution_status: detail.status, ...outcome });
    return outcome;
  };
}

export const handler = lambdaEntry('baton-events', (observability) => {
  const { starter, aws, workflows } = awsStarter(observability, import.meta.url);
  const checks = { store: aws.store, github: awsGithub(readEnv(GithubLambdaEnv)).github, log };
  return createEventsHandler({
    starter,
    metrics: observability.metrics,
    logger: observability.logger,
    report: (runId) => reportRunEnd(checks, runId, (workflow) => workflows.find(workflow)?.steps),
  });
});
