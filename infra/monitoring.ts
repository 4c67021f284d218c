/**
 * Watching the runs: a dashboard of Baton's own metrics (namespace `Baton`,
 * dimension `workflow`, emitted by the Lambdas through Powertools) and alarms
 * on Step Functions' metrics per state machine. The alarms read AWS/States
 * rather than Baton's metrics so that they still fire when a run dies where
 * Baton's code cannot count it (a timeout, a crash in run.start).
 *
 * Alarms, per workflow:
 * - a run failed: ExecutionsFailed + ExecutionsTimedOut ≥ 1 in 5 minutes;
 * - success rate under 90 % over an hour: Succeeded / (Succeeded + Failed +
 *   TimedOut), hours without finished runs count as fine; stopped runs
 *   (pause, cancel) are neither;
 * - a run far slower than usual: ExecutionTime's hourly maximum above the
 *   upper edge of CloudWatch's anomaly band (3 standard deviations) learned
 *   from the workflow's own history. A fixed "2 × p50" would need a baseline
 *   longer than the alarm's window, and every metric of an alarm shares one
 *   period; the band also follows daily and weekly patterns. ExecutionTime
 *   exists once a run ends: a run that never ends is stopped by the
 *   execution timeout, and then counts as timed out (first alarm).
 * And one for the stack: anything in the failures queue (an undeliverable
 * schedule, status change or alarm notification).
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AnomalyDetectionAlarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IAlarm,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export const METRICS_NAMESPACE = 'Baton';

export interface MonitoringProps {
  dashboardName: string;
  alarmPrefix: string;
  topic: ITopic;
  failures: IQueue;
  /** Workflow name → its state machine. */
  stateMachines: Array<{ workflow: string; stateMachine: StateMachine }>;
}

export class Monitoring extends Construct {
  readonly alarms: IAlarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const alarm = (created: Alarm) => {
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
    };

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(new TextWidget({ markdown: '# Baton runs\nBaton metrics per workflow (namespace `Baton`); alarms use Step Functions\' own metrics.', width: 24, height: 2 }));

    for (const { workflow, stateMachine } of props.stateMachines) {
      const baton = (metricName: string, statistic: string, label: string) =>
        new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { workflow }, statistic, label, period: Duration.minutes(5) });
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${workflow}: runs`,
          width: 8,
          left: [baton('RunsStarted', 'Sum', 'started'), baton('RunsSucceeded', 'Sum', 'succeeded'), baton('RunsFailed', 'Sum', 'failed')],
        }),
        new GraphWidget({
          title: `${workflow}: step duration (ms)`,
          width: 8,
          left: [baton('StepDuration', 'p50', 'p50'), baton('StepDuration', 'p99', 'p99')],
        }),
        new GraphWidget({ title: `${workflow}: retries`, width: 8, left: [baton('StepRetries', 'Sum', 'retries')] }),
      );

      const states = (metricName: string, statistic = 'Sum', period = Duration.minutes(5)) =>
        new Metric({ namespace: 'AWS/States', metricName, dimensionsMap: { StateMachineArn: stateMachine.stateMachineArn }, statistic, period });

      alarm(
        new Alarm(this, `${workflow}-RunFailed`, {
          alarmName: `${props.alarmPrefix}${workflow}-run-failed`,
          alarmDescription: `A ${workflow} run failed or timed out. See the executions in the Step Functions console.`,
          metric: new MathExpression({
            expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
            usingMetrics: { failed: states('ExecutionsFailed'), timedOut: states('ExecutionsTimedOut') },
            period: Duration.minutes(5),
            label: 'failed or timed out runs',
          }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );

      const hour = Duration.hours(1);
      alarm(
        new Alarm(this, `${workflow}-SuccessRate`, {
          alarmName: `${props.alarmPrefix}${workflow}-success-rate`,
          alarmDescription: `Fewer than 90 % of the ${workflow} runs that ended in the last hour succeeded.`,
          metric: new MathExpression({
            expression: 'IF(FILL(ok, 0) + FILL(failed, 0) + FILL(timedOut, 0) > 0, 100 * FILL(ok, 0) / (FILL(ok, 0) + FILL(failed, 0) + FILL(timedOut, 0)), 100)',
            usingMetrics: { ok: states('ExecutionsSucceeded', 'Sum', hour), failed: states('ExecutionsFailed', 'Sum', hour), timedOut: states('ExecutionsTimedOut', 'Sum', hour) },
            period: hour,
            label: 'success rate (%)',
          }),
          threshold: 90,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );

      alarm(
        new AnomalyDetectionAlarm(this, `${workflow}-SlowRun`, {
          alarmName: `${props.alarmPrefix}${workflow}-slow-run`,
          alarmDescription: `A ${workflow} run took far longer than its usual duration (above CloudWatch's anomaly band for ExecutionTime).`,
          metric: states('ExecutionTime', 'Maximum', hour),
          stdDevs: 3,
          comparisonOperator: ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    alarm(
      new Alarm(this, 'Failures', {
        alarmName: `${props.alarmPrefix}undelivered`,
        alarmDescription: 'A schedule, an execution status change or an alarm notification could not be delivered: see the failures queue.',
        metric: props.failures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
