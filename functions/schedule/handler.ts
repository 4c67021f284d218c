/**
 * The target of a workflow's EventBridge Scheduler schedules. The schedule's
 * input is `{ "workflow": "<name>", "schedule": "<expression>",
 * "scheduled_time": "<aws.scheduler.scheduled-time>" }`; the run id comes from
 * the workflow and the scheduled time (scheduledRunId), so a delivery repeated
 * by Scheduler starts one run. Inputs are the workflow's defaults; the trigger
 * is `{ event: "schedule", payload: { schedule, scheduled_time } }`.
 *
 * A start that can never work (an unknown workflow, inputs without defaults) is
 * logged and not thrown, since Scheduler's retries would only repeat it; a
 * transient failure (DynamoDB, Step Functions) is thrown, and retried.
 *
 * Environment: as the API's (`BATON_TABLE`, `BATON_STATE_MACHINE_PREFIX`, `BATON_MANIFEST`).
 */
import { z } from 'zod';
import { lambdaEntry, type BatonLogger } from '../runtime/observability.ts';
import { StartInvalidError, WorkflowNotFoundError } from '../runtime/starter/errors.ts';
import { scheduledRunId } from '../runtime/starter/run-id.ts';
import { awsStarter } from '../runtime/starter/aws-starter.ts';
import { RunStarter, type Started } from '../runtime/starter/starter.ts';

export const ScheduleEvent = z.object({
  workflow: z.string().min(1),
  schedule: z.string().min(1),
  scheduled_time: z.iso.datetime({ offset: true }),
});
export type ScheduleEvent = z.infer<typeof ScheduleEvent>;

export type ScheduleOutcome = ({ started: true } & Started) | { started: false; problems: string[] };

export function createScheduleHandler(deps: { starter: RunStarter; logger?: BatonLogger }) {
  return async (event: unknown): Promise<ScheduleOutcome> => {
    const parsed = ScheduleEvent.safeParse(event);
    if (!parsed.success) return refused(deps, event, parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`));
    const { workflow, schedule, scheduled_time } = parsed.data;
    const runId = scheduledRunId(workflow, new Date(scheduled_time));
    try {
      const started = await deps.starter.start({ workflow, run_id: runId, trigger: { event: 'schedule', payload: { schedule, scheduled_time } } });
      deps.logger?.info('schedule.started', { workflow, schedule, scheduled_time, run_id: started.run_id, status: started.status });
      return { started: true, ...started };
    } catch (error) {
      if (error instanceof StartInvalidError) return refused(deps, event, error.problems);
      if (error instanceof WorkflowNotFoundError) return refused(deps, event, [error.message]);
      throw error;
    }
  };
}

function refused(deps: { logger?: BatonLogger }, event: unknown, problems: string[]): ScheduleOutcome {
  deps.logger?.error('schedule.refused', { event, problems });
  return { started: false, problems };
}

export const handler = lambdaEntry('baton-schedule', (observability) => {
  return createScheduleHandler({ starter: awsStarter(observability, import.meta.url).starter, logger: observability.logger });
});
