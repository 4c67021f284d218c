/**
 * Baton on AWS: the table, the Lambdas of every role the definitions use, one
 * state machine per definition, the REST API, schedules, the execution status
 * rule, GitHub's webhook and its redelivery schedule, and the alarms.
 * Everything is named `baton-<stage>-...`, so stages share an account without
 * colliding.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SecretNames } from '../functions/github/github-secrets.ts';
import { AlertTopic } from './alerts/alert-topic.ts';
import { BatonApi } from './api.ts';
import { consoleUrl, stateMachineArnPrefix } from './arns.ts';
import { BatonFunction } from './baton-function.ts';
import { loadDefinitions, type CompiledWorkflow } from './definitions.ts';
import { entryPath, PROJECT_ROOT } from './entries.ts';
import { ExecutionEvents } from './execution-events.ts';
import { writeGenerated } from './generated-files.ts';
import { GithubRedelivery } from './github-redelivery.ts';
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

/** The GitHub App's credentials: what check runs and the delivery log are read and written with. */
const GITHUB_APP_SECRETS = [SecretNames.appId, SecretNames.appPrivateKey];

/**
 * Each Lambda that starts runs: what it may do on Step Functions (on the
 * stack's state machines; on their executions), the secrets its own code reads
 * (`<secretsPrefix><NAME>`), whether it calls the GitHub API (`GITHUB_API_URL`),
 * how it is invoked and how long it may take.
 */
const STARTERS = {
  api: {
    description: 'Baton: the REST API (start, list, control and approve runs)',
    // API Gateway's integration timeout.
    timeoutSeconds: 29,
    async: false,
    // Start, follow and control runs; approvals decided through the API release their task token.
    stateMachines: ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
    executions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'],
    secrets: [],
    github: false,
  },
  schedule: {
    description: 'Baton: starts scheduled runs (EventBridge Scheduler)',
    timeoutSeconds: 60,
    async: true,
    // A scheduled start may cancel the run holding its concurrency group.
    stateMachines: ['states:StartExecution'],
    executions: ['states:DescribeExecution', 'states:StopExecution'],
    secrets: [],
    github: false,
  },
  events: {
    description: 'Baton: reacts to execution status changes (run ends, queued runs, GitHub check runs)',
    timeoutSeconds: 60,
    async: true,
    // A run's end starts the next queued run of its group.
    stateMachines: ['states:StartExecution'],
    executions: ['states:DescribeExecution', 'states:StopExecution'],
    // A run's end completes its GitHub check run, as the App or with the token.
    secrets: [...GITHUB_APP_SECRETS, SecretNames.token],
    github: true,
  },
  webhook: {
    description: "Baton: GitHub's webhook (checks the signature, starts runs, decides /approve comments)",
    // GitHub gives up on an answer after 10 s (and a redelivery finishes the delivery); API Gateway after 29 s.
    timeoutSeconds: 15,
    async: false,
    // Start runs; /approve and /reject comments release task tokens, as the API does.
    stateMachines: ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
    // A new push with cancel_in_progress stops the older run of its group.
    executions: ['states:DescribeExecution', 'states:StopExecution'],
    // The webhook secret (and the one being rotated out), the App's credentials or a token.
    secrets: Object.values(SecretNames),
    github: true,
  },
} as const satisfies Record<string, { description: string; timeoutSeconds: number; async: boolean; stateMachines: readonly string[]; executions: readonly string[]; secrets: readonly string[]; github: boolean }>;

export class BatonStack extends Stack {
  readonly settings: BatonSettings;
  readonly workflows: CompiledWorkflow[];
  readonly table: BatonTable;
  readonly runtime: RuntimeFunctions;
  readonly stateMachines: WorkflowStateMachine[];
  readonly starters: Record<keyof typeof STARTERS, BatonFunction>;
  readonly redelivery: GithubRedelivery;
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
    const starter = (name: keyof typeof STARTERS) => {
      const spec = STARTERS[name];
      const fn = new BatonFunction(this, `${name[0].toUpperCase()}${name.slice(1)}Function`, {
        entry: entryPath(name),
        service: `baton-${name}`,
        description: spec.description,
        logRetention: settings.logRetention,
        timeout: Duration.seconds(spec.timeoutSeconds),
        extraFiles: { 'manifest.json': manifest },
        environment: {
          BATON_STATE_MACHINE_PREFIX: stateMachineArnPrefix(this, settings.namePrefix),
          BATON_MANIFEST: 'manifest.json',
          BATON_RETENTION_DAYS: String(settings.runRetentionDays),
          ...(spec.github ? { GITHUB_API_URL: settings.githubApiUrl } : {}),
        },
        ...(spec.async ? { asyncFailures: this.failures } : {}),
      });
      fn.bindTable(this.table).bindSecrets(settings.secretsPrefix, spec.secrets);
      const names = workflows.map((w) => nameOf(w.name));
      fn.allowStates([...spec.stateMachines], 'stateMachines', names).allowStates([...spec.executions], 'executions', names);
      return fn;
    };
    this.starters = { api: starter('api'), schedule: starter('schedule'), events: starter('events'), webhook: starter('webhook') };
    this.redelivery = new GithubRedelivery(this, 'GithubRedelivery', {
      entry: entryPath('redeliver'),
      secretsPrefix: settings.secretsPrefix,
      secrets: GITHUB_APP_SECRETS,
      githubApiUrl: settings.githubApiUrl,
      logRetention: settings.logRetention,
      failures: this.failures,
    });

    this.api = new BatonApi(this, 'Api', {
      name: `${settings.namePrefix}api`,
      stage: settings.stage,
      handler: this.starters.api,
      webhook: this.starters.webhook,
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
