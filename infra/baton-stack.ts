/**
 * Baton on AWS: the table, the Lambdas of every role the definitions use, one
 * state machine per definition, the REST API, schedules, the execution status
 * rule, and the alarms. Everything is named `baton-<stage>-...`, so stages
 * share an account without colliding.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AlertTopic } from './alerts/alert-topic.ts';
import { BatonApi } from './api.ts';
import { consoleUrl, stateMachineArnPrefix } from './arns.ts';
import { BatonFunction } from './baton-function.ts';
import { loadDefinitions, type CompiledWorkflow } from './definitions.ts';
import { entryPath, PROJECT_ROOT } from './entries.ts';
import { ExecutionEvents } from './execution-events.ts';
import { writeGenerated } from './generated-files.ts';
import { Monitoring } from './monitoring.ts';
import { acknowledge, REASONS } from './nag.ts';
import { RuntimeFunctions } from './runtime-functions.ts';
import { WorkflowSchedules } from './schedules.ts';
import type { BatonSettings } from './settings.ts';
import { BatonTable } from './table.ts';
import { WorkflowStateMachine } from './workflow-state-machine.ts';

export interface BatonStackProps extends StackProps {
  settings: BatonSettings;
  /** The compiled definitions; default: `settings.definitions`, compiled now. */
  workflows?: CompiledWorkflow[];
}

/** What each Lambda that starts runs may do on Step Functions. */
const STARTER_ACTIONS = {
  // Start, follow and control runs; approvals decided through the API release their task token.
  api: { stateMachines: ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure'], executions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'] },
  // A scheduled start may cancel the run holding its concurrency group.
  schedule: { stateMachines: ['states:StartExecution'], executions: ['states:DescribeExecution', 'states:StopExecution'] },
  // A run's end starts the next queued run of its group.
  events: { stateMachines: ['states:StartExecution'], executions: ['states:DescribeExecution', 'states:StopExecution'] },
} as const;

export class BatonStack extends Stack {
  readonly settings: BatonSettings;
  readonly workflows: CompiledWorkflow[];
  readonly table: BatonTable;
  readonly runtime: RuntimeFunctions;
  readonly stateMachines: WorkflowStateMachine[];
  readonly starters: Record<keyof typeof STARTER_ACTIONS, BatonFunction>;
  readonly api: BatonApi;
  readonly alerts: AlertTopic;
  readonly monitoring: Monitoring;
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: BatonStackProps) {
    super(scope, id, { description: `Baton (${props.settings.stage}): workflows compiled to Step Functions`, ...props });
    const settings = (this.settings = props.settings);
    const workflows = (this.workflows = props.workflows ?? loadDefinitions(settings.definitions, PROJECT_ROOT));
    const nameOf = (workflow: string) => `${settings.namePrefix}${workflow}`;

    this.table = new BatonTable(this, 'Store', { retain: settings.retainData });
    this.failures = new Queue(this, 'Failures', {
      queueName: `${settings.namePrefix}failures`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.failures, 'AwsSolutions-SQS3', REASONS.failuresQueue);
    acknowledge(this.failures, 'Serverless-SQSRedrivePolicy', REASONS.failuresQueue);

    this.runtime = new RuntimeFunctions(this, 'Runtime', { workflows, table: this.table, settings, stateMachineName: nameOf });
    this.stateMachines = workflows.map(
      (workflow) =>
        new WorkflowStateMachine(this, `Workflow-${workflow.name}`, {
          workflow,
          stateMachineName: nameOf(workflow.name),
          nameOf,
          lambdas: this.runtime.forWorkflow(workflow.name),
          timeoutSeconds: settings.executionTimeoutSeconds,
          logRetention: settings.logRetention,
        }),
    );

    // The run starters read the workflows' manifest from a file in their bundle.
    const manifest = writeGenerated('manifest', '.json', `${JSON.stringify({ workflows: workflows.map((w) => w.manifest) }, null, 2)}\n`);
    const starter = (name: keyof typeof STARTER_ACTIONS, description: string, async: boolean) => {
      const fn = new BatonFunction(this, `${name[0].toUpperCase()}${name.slice(1)}Function`, {
        entry: entryPath(name),
        service: `baton-${name}`,
        description,
        logRetention: settings.logRetention,
        timeout: Duration.seconds(name === 'api' ? 29 : 60),
        extraFiles: { 'manifest.json': manifest },
        environment: { BATON_STATE_MACHINE_PREFIX: stateMachineArnPrefix(this, settings.namePrefix), BATON_MANIFEST: 'manifest.json', BATON_RETENTION_DAYS: String(settings.runRetentionDays) },
        ...(async ? { asyncFailures: this.failures } : {}),
      });
      fn.bindTable(this.table).bindSecrets(settings.secretsPrefix, []);
      const names = workflows.map((w) => nameOf(w.name));
      const actions = STARTER_ACTIONS[name];
      fn.allowStates([...actions.stateMachines], 'stateMachines', names).allowStates([...actions.executions], 'executions', names);
      return fn;
    };
    this.starters = {
      api: starter('api', 'Baton: the REST API (start, list, control and approve runs)', false),
      schedule: starter('schedule', 'Baton: starts scheduled runs (EventBridge Scheduler)', true),
      events: starter('events', 'Baton: reacts to execution status changes (run ends, queued runs)', true),
    };

    this.api = new BatonApi(this, 'Api', {
      name: `${settings.namePrefix}api`,
      stage: settings.stage,
      handler: this.starters.api,
      logRetention: settings.logRetention,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
    });
    new WorkflowSchedules(this, 'Schedules', { workflows, groupName: `${settings.namePrefix}schedules`, target: this.starters.schedule, deadLetterQueue: this.failures });
    new ExecutionEvents(this, 'ExecutionEvents', {
      stateMachineArns: this.stateMachines.map((m) => m.stateMachine.stateMachineArn),
      target: this.starters.events,
      deadLetterQueue: this.failures,
    });

    this.alerts = new AlertTopic(this, 'Alerts', {
      topicName: `${settings.namePrefix}alarms`,
      email: settings.alarmEmail,
      slackWebhookSecret: settings.slackWebhookSecret,
      logRetention: settings.logRetention,
      failures: this.failures,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      dashboardName: `${settings.namePrefix}runs`,
      alarmPrefix: settings.namePrefix,
      topic: this.alerts.topic,
      failures: this.failures,
      stateMachines: this.stateMachines.map((m, i) => ({ workflow: workflows[i].name, stateMachine: m.stateMachine })),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'The Baton REST API (SigV4-signed requests)' });
    new CfnOutput(this, 'WebhookUrl', { value: this.api.webhookUrl, description: "GitHub's webhook URL (content type application/json)" });
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'The checkpoint store' });
    new CfnOutput(this, 'AlarmTopic', { value: this.alerts.topic.topicArn, description: 'Where the alarms go' });
    this.stateMachines.forEach((machine, i) => {
      const pascal = workflows[i].name.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());
      new CfnOutput(this, `Console${pascal}`, {
        value: consoleUrl(this, machine.stateMachine.stateMachineArn),
        description: `${workflows[i].name} in the Step Functions console`,
      });
    });
  }
}
