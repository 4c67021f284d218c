/**
 * `on.schedule`: each expression of each definition is one EventBridge
 * Scheduler schedule that invokes the schedule Lambda with
 * `{ workflow, schedule, scheduled_time }`. The Lambda starts the run (as the
 * API would), so a schedule and an API call go through the same input checks
 * and concurrency groups. Scheduler uses one role that may invoke that Lambda
 * and write to the failures queue, nothing else.
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSchedule, CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import type { CompiledWorkflow } from './definitions.ts';

export interface WorkflowSchedulesProps {
  workflows: CompiledWorkflow[];
  groupName: string;
  target: IFunction;
  deadLetterQueue: IQueue;
}

/** The input Scheduler sends; `<aws.scheduler.scheduled-time>` is filled in by Scheduler at each invocation. */
export function scheduleInput(workflow: string, expression: string): Record<string, string> {
  return { workflow, schedule: expression, scheduled_time: '<aws.scheduler.scheduled-time>' };
}

const EXPRESSION = /^(rate|cron|at)\(.+\)$/;

export class WorkflowSchedules extends Construct {
  readonly schedules: CfnSchedule[] = [];

  constructor(scope: Construct, id: string, props: WorkflowSchedulesProps) {
    super(scope, id);
    const entries = props.workflows.flatMap((w) => w.manifest.schedules.map((expression, index) => ({ workflow: w.name, expression, index })));
    const bad = entries.filter((e) => !EXPRESSION.test(e.expression.trim()));
    if (bad.length > 0) throw new Error(`Baton: on.schedule entries must be rate(...), cron(...) or at(...): ${bad.map((e) => `${e.workflow}: '${e.expression}'`).join(', ')}`);
    if (entries.length === 0) return;

    const group = new CfnScheduleGroup(this, 'Group', { name: props.groupName });
    const role = new Role(this, 'Role', {
      description: 'EventBridge Scheduler: invoke the Baton schedule Lambda',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
    });
    role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }));
    props.deadLetterQueue.grantSendMessages(role);

    for (const entry of entries) {
      const schedule = new CfnSchedule(this, `${entry.workflow}-${entry.index + 1}`, {
        name: scheduleName(entry.workflow, entry.index),
        // Ref of a schedule group is its name; it also orders the group before its schedules.
        groupName: group.ref,
        description: `Baton: start ${entry.workflow} on ${entry.expression}`,
        scheduleExpression: entry.expression.trim(),
        scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: props.target.functionArn,
          roleArn: role.roleArn,
          input: JSON.stringify(scheduleInput(entry.workflow, entry.expression)),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
        },
      });
      this.schedules.push(schedule);
    }
  }
}

/** Schedule names allow 64 characters: a long workflow name is cut and made unique with a hash. */
function scheduleName(workflow: string, index: number): string {
  const name = `${workflow}-${index + 1}`;
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(workflow).digest('hex').slice(0, 8);
  return `${workflow.slice(0, 50)}-${hash}-${index + 1}`;
}
