/**
 * A stack of the fixture definitions (a scheduled workflow reading a secret;
 * a graph with dependency barriers, a child workflow and an approval), with
 * every optional setting on: alarm email, Slack forwarding, GitHub Enterprise
 * Server, other limits.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAsl } from '../support/asl.ts';
import { deployedDefinition, iamStatements, list, resourcesOfType, synthesizeBaton, type Synthesized } from './support/synth.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesizeBaton({
    stage: 'fx',
    definitions: 'tests/infra/fixtures/definitions',
    alarmEmail: 'ops@example.com',
    slackWebhookSecret: 'baton/fx/SLACK_WEBHOOK_URL',
    executionTimeout: '2d',
    logRetentionDays: '14',
    apiRateLimit: '5',
    apiBurstLimit: '7',
    retainData: 'false',
    githubApiUrl: 'https://github.example.com/api/v3',
  });
}, 180_000);
afterAll(() => s?.dispose());

const functionNamed = (service: string) => resourcesOfType(s.resources, 'AWS::Lambda::Function').find(([, r]) => r.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service)!;
const machineNamed = (name: string) => resourcesOfType(s.resources, 'AWS::StepFunctions::StateMachine').find(([, m]) => m.Properties.StateMachineName === name)!;
const statementsOfRole = (role: string) => iamStatements(s.resources).filter((x) => x.roles.includes(role)).map((x) => x.statement);

describe('infra (options): nag and ASL', () => {
  it('leaves no finding unacknowledged with every option on', () => {
    expect(s.findings).toStrictEqual([]);
  });

  it('deploys state machines that pass asl-validator, with the execution timeout from context', () => {
    for (const [id, machine] of resourcesOfType(s.resources, 'AWS::StepFunctions::StateMachine')) {
      const definition = deployedDefinition(machine, s.resources);
      expect(definition.TimeoutSeconds, id).toBe(2 * 86400);
      expect(validateAsl(definition).errors, id).toBe('');
    }
  });
});

describe('infra (options): schedules', () => {
  it('creates one EventBridge schedule per on.schedule entry, invoking the schedule Lambda with the workflow and the expression', () => {
    const [scheduleFn] = functionNamed('baton-schedule');
    const schedules = resourcesOfType(s.resources, 'AWS::Scheduler::Schedule').map(([, r]) => r.Properties);
    expect(schedules.map((p) => p.ScheduleExpression)).toStrictEqual(['rate(1 day)', 'cron(0 6 * * ? *)']);
    const [[groupId, group]] = resourcesOfType(s.resources, 'AWS::Scheduler::ScheduleGroup');
    expect(group.Properties.Name).toBe('baton-fx-schedules');
    for (const schedule of schedules) {
      expect(schedule).toMatchObject({ GroupName: { Ref: groupId }, ScheduleExpressionTimezone: 'UTC', FlexibleTimeWindow: { Mode: 'OFF' }, State: 'ENABLED' });
      expect(schedule.Target.Arn).toStrictEqual({ 'Fn::GetAtt': [scheduleFn, 'Arn'] });
      expect(JSON.parse(schedule.Target.Input)).toStrictEqual({ workflow: 'nightly', schedule: schedule.ScheduleExpression, scheduled_time: '<aws.scheduler.scheduled-time>' });
      expect(schedule.Target.DeadLetterConfig.Arn).toBeDefined();
    }
  });

  it("gives Scheduler a role that may only invoke the schedule Lambda and write to the failures queue", () => {
    const [scheduleFn] = functionNamed('baton-schedule');
    const [[, schedule]] = resourcesOfType(s.resources, 'AWS::Scheduler::Schedule');
    const role = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0];
    expect(s.resources[role].Properties.AssumeRolePolicyDocument.Statement).toMatchObject([{ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }]);
    const actions = statementsOfRole(role).flatMap((st) => list(st.Action)).sort();
    expect(actions).toStrictEqual(['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    const invoke = statementsOfRole(role).find((st) => list(st.Action).includes('lambda:InvokeFunction'))!;
    expect(invoke.Resource).toStrictEqual({ 'Fn::GetAtt': [scheduleFn, 'Arn'] });
  });
});

describe('infra (options): child workflows and barriers', () => {
  it('substitutes the child workflow with its state machine ARN and lets the parent start, follow and stop it', () => {
    const [, parent] = machineNamed('baton-fx-release-train');
    expect(JSON.stringify(parent.Properties.DefinitionSubstitutions.BatonWorkflow_nightly)).toContain(':stateMachine:baton-fx-nightly');
    const role = parent.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = statementsOfRole(role).map((st) => ({ actions: list(st.Action).sort(), resources: JSON.stringify(st.Resource) }));
    expect(statements).toEqual(
      expect.arrayContaining([
        { actions: ['states:StartExecution'], resources: expect.stringContaining(':stateMachine:baton-fx-nightly') },
        { actions: ['states:DescribeExecution', 'states:StopExecution'], resources: expect.stringContaining(':execution:baton-fx-nightly:*') },
        { actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'], resources: expect.stringContaining(':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule') },
      ]),
    );
  });

  it('lets the control and approval Lambdas release task tokens of the state machines they serve', () => {
    for (const service of ['baton-control', 'baton-approval']) {
      const [id, fn] = functionNamed(service);
      const release = statementsOfRole(fn.Properties.Role['Fn::GetAtt'][0]).find((st) => list(st.Action).includes('states:SendTaskSuccess'));
      expect(release, id).toBeDefined();
      expect(list(release!.Action).sort()).toStrictEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
      expect(JSON.stringify(release!.Resource)).toContain(':stateMachine:baton-fx-release-train');
    }
  });
});

describe('infra (options): secrets, alerts and settings', () => {
  it('lets the http Lambda read HEALTH_TOKEN under the stage prefix, and nothing but the GitHub Lambdas reads another secret', () => {
    const grants = iamStatements(s.resources).filter((x) => list(x.statement.Action).includes('secretsmanager:GetSecretValue'));
    const resources = grants.map((x) => JSON.stringify(x.statement.Resource)).filter((r) => !r.includes(':secret:baton/fx/GITHUB_'));
    expect(resources).toHaveLength(2);
    expect(resources.find((r) => r.includes('HEALTH_TOKEN'))).toContain(':secret:baton/fx/HEALTH_TOKEN-??????');
    expect(resources.find((r) => r.includes('SLACK'))).toContain(':secret:baton/fx/SLACK_WEBHOOK_URL-??????');
  });

  it('subscribes the alarm email and a Slack forwarder to the topic, with dead-letter queues', () => {
    const [slackFn, slack] = functionNamed('baton-slack');
    expect(slack.Properties.Environment.Variables.SLACK_WEBHOOK_SECRET).toBe('baton/fx/SLACK_WEBHOOK_URL');
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', RedrivePolicy: Match.anyValue() });
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': [slackFn, 'Arn'] }, RedrivePolicy: Match.anyValue() });
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: slackFn }, MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: Match.anyValue() } } });
  });

  it('gives the GitHub Lambdas the GitHub API of githubApiUrl', () => {
    for (const service of ['baton-webhook', 'baton-events', 'baton-redeliver']) {
      expect(functionNamed(service)[1].Properties.Environment.Variables.GITHUB_API_URL, service).toBe('https://github.example.com/api/v3');
    }
  });

  it('applies the retention, throttling and removal settings from context', () => {
    for (const [, group] of resourcesOfType(s.resources, 'AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(14);
    s.template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'fx', MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 7 })] });
    s.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: { DeletionProtectionEnabled: false } });
  });
});
