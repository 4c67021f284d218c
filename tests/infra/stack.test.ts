/**
 * The stack synthesized from the shipped definitions/, with cdk.json's
 * context and stage `test`: one synth (bundling included) shared by every test.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretNames } from '../../functions/github/github-secrets.ts';
import { BY_WORKFLOW_INDEX, tableDefinition } from '../../functions/runtime/store/table.ts';
import { ROUTES, WEBHOOK_PATH } from '../../infra/api.ts';
import { TTL_ATTRIBUTE } from '../../infra/table.ts';
import { validateAsl } from '../support/asl.ts';
import { deployedDefinition, iamStatements, list, resourcesOfType, synthesizeBaton, type Synthesized } from './support/synth.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthesizeBaton({ stage: 'test' });
}, 180_000);
afterAll(() => s?.dispose());

const functions = () => resourcesOfType(s.resources, 'AWS::Lambda::Function');
const functionNamed = (service: string) => {
  const found = functions().find(([, r]) => r.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service);
  if (!found) throw new Error(`no Lambda with service ${service}`);
  return found;
};
const stateMachines = () => resourcesOfType(s.resources, 'AWS::StepFunctions::StateMachine');
const workflowNames = () => s.stack.workflows.map((w) => w.name);
/** The statements of the policies attached to one Lambda's role. */
const statementsOf = (logicalId: string) => {
  const role = s.resources[logicalId].Properties.Role['Fn::GetAtt'][0];
  return iamStatements(s.resources).filter((x) => x.roles.includes(role)).map((x) => x.statement);
};
/** The secret names (after the prefix) a Lambda may read, sorted. */
const secretsOf = (logicalId: string) =>
  statementsOf(logicalId)
    .filter((st) => list(st.Action).includes('secretsmanager:GetSecretValue'))
    .flatMap((st) => list(st.Resource))
    .map((arn) => {
      const match = /:secret:baton\/test\/([A-Z0-9_]+)(-\?{6})?$/.exec((arn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].at(-1) as string);
      if (!match) throw new Error(`not a secret of the stage: ${JSON.stringify(arn)}`);
      return match[1];
    })
    .filter((name, i, all) => all.indexOf(name) === i)
    .sort();
const GITHUB_APP_SECRETS = ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY'];

describe('infra: cdk-nag', () => {
  it('leaves no AwsSolutions or Serverless finding unacknowledged', () => {
    expect(s.findings).toStrictEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    const acknowledgements: Array<{ path: string; id: string; reason: string }> = [];
    for (const node of s.app.node.findAll()) {
      for (const entry of node.node.metadata) {
        if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledgements.push({ path: node.node.path, id, reason });
      }
    }
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
  });
});

describe('infra: the table', () => {
  it('has the keys, the index and the types of tableDefinition()', () => {
    const [[, table]] = resourcesOfType(s.resources, 'AWS::DynamoDB::Table');
    const definition = tableDefinition('x');
    expect(table.Properties.KeySchema).toStrictEqual(definition.KeySchema);
    expect(new Set(table.Properties.AttributeDefinitions.map(JSON.stringify))).toStrictEqual(new Set(definition.AttributeDefinitions!.map((a) => JSON.stringify(a))));
    expect(table.Properties.GlobalSecondaryIndexes).toStrictEqual([{ IndexName: BY_WORKFLOW_INDEX, KeySchema: definition.GlobalSecondaryIndexes![0].KeySchema, Projection: { ProjectionType: 'ALL' } }]);
  });

  it('expires finished runs, keeps point-in-time recovery, bills per request and survives the stack', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('infra: Lambdas', () => {
  it('run Node 24 on ARM with X-Ray, an explicit memory size and timeout, and a log group with a retention', () => {
    expect(functions().length).toBeGreaterThan(0);
    for (const [id, fn] of functions()) {
      expect(fn.Properties, id).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Handler: 'index.handler' });
      expect(fn.Properties.MemorySize, id).toBeGreaterThanOrEqual(256);
      expect(fn.Properties.Timeout, id).toBeGreaterThan(3);
      expect(fn.Properties.Environment.Variables, id).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: 'Baton', POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^baton-/), NODE_OPTIONS: '--enable-source-maps' });
      const logGroup = s.resources[fn.Properties.LoggingConfig.LogGroup.Ref];
      expect(logGroup.Properties.RetentionInDays, id).toBe(30);
    }
    for (const [, group] of resourcesOfType(s.resources, 'AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('deploys one Lambda per role the definitions use, and one per user function file', () => {
    const services = functions().map(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string).sort();
    const files = new Set(s.stack.workflows.flatMap((w) => Object.values(w.functionFiles)));
    expect(services.filter((name) => name.startsWith('baton-fn-'))).toHaveLength(files.size);
    expect(services.filter((name) => !name.startsWith('baton-fn-'))).toStrictEqual([
      'baton-agent',
      'baton-api',
      'baton-approval',
      'baton-control',
      'baton-events',
      'baton-http',
      'baton-redeliver',
      'baton-schedule',
      'baton-webhook',
    ]);
  });

  it('binds every Lambda of the runtime and the starters to the table and the secrets prefix; the redelivery Lambda to the prefix only', () => {
    const [[tableId]] = resourcesOfType(s.resources, 'AWS::DynamoDB::Table');
    const [redeliverFn] = functionNamed('baton-redeliver');
    for (const [id, fn] of functions()) {
      if (id === redeliverFn) continue;
      expect(fn.Properties.Environment.Variables, id).toMatchObject({ BATON_TABLE: { Ref: tableId }, BATON_SECRETS_PREFIX: 'baton/test/', BATON_RETENTION_DAYS: '30' });
    }
    expect(s.resources[redeliverFn].Properties.Environment.Variables).toStrictEqual({
      POWERTOOLS_SERVICE_NAME: 'baton-redeliver',
      POWERTOOLS_METRICS_NAMESPACE: 'Baton',
      NODE_OPTIONS: '--enable-source-maps',
      BATON_SECRETS_PREFIX: 'baton/test/',
      GITHUB_API_URL: 'https://api.github.com',
    });
  });

  it('tells each built-in step Lambda its kind', () => {
    for (const kind of ['http', 'agent', 'approval']) expect(functionNamed(`baton-${kind}`)[1].Properties.Environment.Variables.BATON_STEP_KIND).toBe(kind);
  });

  it('gives the run starters the state machine prefix and a manifest of every workflow in their bundle', () => {
    for (const service of ['baton-api', 'baton-schedule', 'baton-events', 'baton-webhook']) {
      const [id, fn] = functionNamed(service);
      expect(fn.Properties.Environment.Variables.BATON_MANIFEST).toBe('manifest.json');
      expect(JSON.stringify(fn.Properties.Environment.Variables.BATON_STATE_MACHINE_PREFIX)).toContain(':stateMachine:baton-test-');
      const manifest = JSON.parse(readFileSync(join(s.bundleDir(id), 'manifest.json'), 'utf8'));
      expect(manifest).toStrictEqual({ workflows: s.stack.workflows.map((w) => w.manifest) });
    }
  });

  it('bundles each user function file with its module, under the name the definition gives it', () => {
    for (const workflow of s.stack.workflows) {
      for (const [key, role] of Object.entries(workflow.manifest.lambdas)) {
        if (role.kind !== 'function') continue;
        const [id] = functions().find(([logicalId]) => logicalId.startsWith(`Runtime${key.replace(/_/g, '')}`))!;
        const bundle = readFileSync(join(s.bundleDir(id), 'index.mjs'), 'utf8');
        expect(bundle, key).toContain(JSON.stringify(role.file));
        expect(readFileSync(join(s.bundleDir(id), 'index.mjs.map'), 'utf8'), key).toContain(role.file.replace(/^\.\//, ''));
      }
    }
  });
});

describe('infra: IAM', () => {
  /** The only actions AWS offers no resource-level permission for, among those the stack uses. */
  const NEEDS_STAR = new Set([
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:DescribeLogGroups',
    'logs:DescribeResourcePolicies',
    'logs:PutResourcePolicy',
  ]);

  it('never allows a wildcard action', () => {
    for (const { holder, statement } of iamStatements(s.resources)) for (const action of list(statement.Action)) expect(action, holder).not.toMatch(/\*/);
  });

  it('allows Resource "*" only for actions that have no resource-level permissions', () => {
    for (const { holder, statement } of iamStatements(s.resources)) {
      if (!list(statement.Resource).includes('*')) continue;
      for (const action of list(statement.Action)) expect(NEEDS_STAR.has(action as string), `${holder}: ${action} on *`).toBe(true);
    }
  });

  it('grants table access on the table and its by-workflow index only', () => {
    const [[tableId]] = resourcesOfType(s.resources, 'AWS::DynamoDB::Table');
    for (const { holder, statement } of iamStatements(s.resources)) {
      if (!list(statement.Action).some((a) => String(a).startsWith('dynamodb:'))) continue;
      expect(statement.Resource, holder).toStrictEqual([
        { 'Fn::GetAtt': [tableId, 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, `/index/${BY_WORKFLOW_INDEX}`]] },
      ]);
    }
  });

  it('lets a Lambda read exactly the secrets its own Task states name, or its own GitHub code reads', () => {
    const granted = new Map<string, string[]>();
    for (const [id] of functions()) {
      const arns = statementsOf(id).filter((st) => list(st.Action).includes('secretsmanager:GetSecretValue')).flatMap((st) => list(st.Resource));
      if (arns.length > 0) granted.set(s.resources[id].Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME, arns.map((arn) => JSON.stringify(arn)).sort());
    }
    // Each secret twice: its ARN (with the suffix Secrets Manager adds) and the bare name a missing secret's read is authorized against.
    const secretArns = (name: string) =>
      ['-??????', ''].map((suffix) => JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:baton/test/${name}${suffix}`]] }));
    expect(Object.fromEntries(granted)).toStrictEqual({
      'baton-agent': secretArns('ANTHROPIC_API_KEY').sort(),
      'baton-http': secretArns('GITHUB_TOKEN').sort(),
      'baton-events': ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_TOKEN'].flatMap(secretArns).sort(),
      'baton-webhook': ['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_TOKEN', 'GITHUB_WEBHOOK_SECRET', 'GITHUB_WEBHOOK_SECRET_PREVIOUS'].flatMap(secretArns).sort(),
      'baton-redeliver': GITHUB_APP_SECRETS.flatMap(secretArns).sort(),
    });
    const named = new Set(s.stack.workflows.flatMap((w) => w.manifest.secrets));
    expect(named).toStrictEqual(new Set(['ANTHROPIC_API_KEY', 'GITHUB_TOKEN']));
  });

  it("limits Step Functions actions to this stack's state machines and their executions", () => {
    const names = workflowNames().map((name) => `baton-test-${name}`);
    for (const { holder, statement } of iamStatements(s.resources)) {
      if (!list(statement.Action).some((a) => String(a).startsWith('states:'))) continue;
      for (const resource of list(statement.Resource)) {
        const text = JSON.stringify(resource);
        const match = /:(stateMachine|execution):([a-z0-9-]+)(:\*)?"/.exec(text);
        expect(match, `${holder}: ${text}`).not.toBeNull();
        expect(names, holder).toContain(match![2]);
      }
    }
  });

  it('lets each state machine invoke exactly the Lambdas its definition names', () => {
    for (const [, machine] of stateMachines()) {
      const role = machine.Properties.RoleArn['Fn::GetAtt'][0];
      const invoked = iamStatements(s.resources)
        .filter((x) => x.roles.includes(role) && list(x.statement.Action).includes('lambda:InvokeFunction'))
        .flatMap((x) => list(x.statement.Resource).map((r) => JSON.stringify(r)));
      const substituted = Object.values(machine.Properties.DefinitionSubstitutions).map((v) => JSON.stringify(v));
      expect(new Set(invoked)).toStrictEqual(new Set(substituted));
    }
  });
});

describe('infra: state machines', () => {
  it('deploys one per definition, named baton-<stage>-<workflow>', () => {
    expect(stateMachines().map(([, m]) => m.Properties.StateMachineName).sort()).toStrictEqual(workflowNames().map((n) => `baton-test-${n}`).sort());
  });

  it('log ALL events with execution data to their own log group, with X-Ray on', () => {
    for (const [id, machine] of stateMachines()) {
      expect(machine.Properties.LoggingConfiguration, id).toMatchObject({ Level: 'ALL', IncludeExecutionData: true, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } }] });
      expect(machine.Properties.TracingConfiguration, id).toStrictEqual({ Enabled: true });
      expect(machine.Properties.StateMachineType, id).toBe('STANDARD');
    }
  });

  it('deploy the compiler\'s definition as it is, plus the execution timeout', () => {
    for (const workflow of s.stack.workflows) {
      const [, machine] = stateMachines().find(([, m]) => m.Properties.StateMachineName === `baton-test-${workflow.name}`)!;
      expect(JSON.parse(machine.Properties.DefinitionString)).toStrictEqual({ ...workflow.asl, TimeoutSeconds: 30 * 86400 });
    }
  });

  it('substitute every placeholder of the definition, and nothing else', () => {
    for (const [id, machine] of stateMachines()) {
      const placeholders = new Set([...(machine.Properties.DefinitionString as string).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
      expect(new Set(Object.keys(machine.Properties.DefinitionSubstitutions)), id).toStrictEqual(placeholders);
      for (const value of Object.values(machine.Properties.DefinitionSubstitutions)) {
        const [target] = (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
        expect(s.resources[target].Type).toBe('AWS::Lambda::Function');
      }
    }
  });

  it('substitute each role with the Lambda serving that role', () => {
    for (const workflow of s.stack.workflows) {
      const [, machine] = stateMachines().find(([, m]) => m.Properties.StateMachineName === `baton-test-${workflow.name}`)!;
      for (const [key, role] of Object.entries(workflow.manifest.lambdas)) {
        const fn = s.resources[machine.Properties.DefinitionSubstitutions[key]['Fn::GetAtt'][0]];
        const service = fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME;
        expect(service, key).toBe(role.kind === 'function' ? `baton-fn-${key.replace(/^BatonFn_/, '')}` : `baton-${role.kind}`);
      }
    }
  });

  it('pass asl-validator with their substitutions applied', () => {
    for (const [id, machine] of stateMachines()) {
      const definition = deployedDefinition(machine, s.resources);
      expect(JSON.stringify(definition)).not.toMatch(/\$\{/);
      const verdict = validateAsl(definition);
      expect(verdict.errors, id).toBe('');
      expect(verdict.isValid, id).toBe(true);
    }
  });
});

describe('infra: the API', () => {
  const methods = () => resourcesOfType(s.resources, 'AWS::ApiGateway::Method');
  const pathOf = (resourceId: { Ref: string } | { 'Fn::GetAtt': [string, string] }): string => {
    if ('Fn::GetAtt' in resourceId) return '';
    const resource = s.resources[resourceId.Ref];
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
  };
  const routes = () => new Map(methods().map(([, m]) => [`${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId)}`, m]));

  it('serves the routes of docs/api.md with IAM auth and request validation, through the API Lambda', () => {
    const [apiFn] = functionNamed('baton-api');
    for (const route of ROUTES) {
      const method = routes().get(`${route.method} ${route.path}`);
      expect(method, `${route.method} ${route.path}`).toBeDefined();
      expect(method!.Properties).toMatchObject({ AuthorizationType: 'AWS_IAM', RequestValidatorId: { Ref: expect.any(String) }, Integration: { Type: 'AWS_PROXY' } });
      expect(JSON.stringify(method!.Properties.Integration.Uri)).toContain(apiFn);
      if (route.body) expect(method!.Properties.RequestModels).toStrictEqual({ 'application/json': { Ref: expect.any(String) } });
    }
    expect(routes().size).toBe(ROUTES.length + 1);
  });

  it('sends the GitHub webhook to the webhook Lambda as a proxy integration, without auth, validator, model or template', () => {
    const [webhookFn] = functionNamed('baton-webhook');
    const webhook = routes().get(`POST ${WEBHOOK_PATH}`)!;
    expect(webhook.Properties).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' } });
    expect(JSON.stringify(webhook.Properties.Integration.Uri)).toContain(`"${webhookFn}","Arn"`);
    for (const key of ['AuthorizerId', 'RequestValidatorId', 'RequestModels', 'RequestParameters']) expect(webhook.Properties[key], key).toBeUndefined();
    // The body reaches the Lambda as GitHub signed it: no mapping, no conversion, no binary media types on the API.
    for (const key of ['RequestTemplates', 'ContentHandling', 'PassthroughBehavior']) expect(webhook.Properties.Integration[key], key).toBeUndefined();
    const [[, api]] = resourcesOfType(s.resources, 'AWS::ApiGateway::RestApi');
    expect(api.Properties.BinaryMediaTypes).toBeUndefined();
  });

  it('lets API Gateway invoke the webhook Lambda for POST /github/webhook only', () => {
    const [webhookFn] = functionNamed('baton-webhook');
    const permissions = resourcesOfType(s.resources, 'AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties.FunctionName).includes(`"${webhookFn}"`));
    expect(permissions.length).toBeGreaterThan(0);
    for (const [id, permission] of permissions) {
      expect(permission.Properties, id).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      expect(JSON.stringify(permission.Properties.SourceArn), id).toMatch(/\/POST\/github\/webhook"/);
    }
  });

  it('validates bodies and parameters, logs access as JSON, traces and throttles', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    s.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'test',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId"') },
      MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })],
    });
  });

  it('requires a decision on approvals', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::Model', { Name: 'Decision', Schema: Match.objectLike({ required: ['decision'] }) });
  });
});

describe('infra: GitHub', () => {
  /** One line per statement: its actions, and what its resources are. */
  const policyOf = (logicalId: string) =>
    statementsOf(logicalId)
      .map((st) => {
        const resources = list(st.Resource).map((r) => JSON.stringify(r));
        const kinds = new Set(
          resources.map((r) =>
            r === '"*"' ? '*'
            : r.includes(':secret:') ? 'secrets'
            : r.includes(':stateMachine:') ? 'stateMachines'
            : r.includes(':execution:') ? 'executions'
            : /StoreTable/.test(r) ? 'table'
            : /Logs[0-9A-F]{8}"/.test(r) ? 'own log group'
            : /Failures[0-9A-F]{8}"/.test(r) ? 'failures queue'
            : r,
          ),
        );
        return `${list(st.Action).sort().join(' ')} on ${[...kinds].join(', ')}`;
      })
      .sort();
  const names = () => workflowNames().map((name) => `baton-test-${name}`).sort();
  const statesResources = (logicalId: string, action: string) =>
    statementsOf(logicalId)
      .filter((st) => list(st.Action).includes(action))
      .flatMap((st) => list(st.Resource).map((r) => /:(?:stateMachine|execution):([a-z0-9-]+)/.exec(JSON.stringify(r))![1]))
      .sort();

  it('the webhook Lambda may use the table, read the five GitHub secrets, and start runs, release task tokens and stop older runs: nothing more', () => {
    const [webhookFn] = functionNamed('baton-webhook');
    expect(policyOf(webhookFn)).toStrictEqual(
      [
        'dynamodb:BatchGetItem dynamodb:BatchWriteItem dynamodb:ConditionCheckItem dynamodb:DeleteItem dynamodb:GetItem dynamodb:PutItem dynamodb:Query dynamodb:UpdateItem on table',
        'logs:CreateLogStream logs:PutLogEvents on own log group',
        'secretsmanager:GetSecretValue on secrets',
        'states:DescribeExecution states:StopExecution on executions',
        'states:SendTaskFailure states:SendTaskSuccess states:StartExecution on stateMachines',
        'xray:PutTelemetryRecords xray:PutTraceSegments on *',
      ].sort(),
    );
    expect(secretsOf(webhookFn)).toStrictEqual(Object.values(SecretNames).sort());
    for (const action of ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure', 'states:DescribeExecution', 'states:StopExecution']) {
      expect(statesResources(webhookFn, action), action).toStrictEqual(names());
    }
  });

  it('the webhook Lambda answers within GitHub\'s 10 s and API Gateway\'s 29 s, synchronously, with the bundled manifest', () => {
    const [webhookFn, fn] = functionNamed('baton-webhook');
    expect(fn.Properties.Timeout).toBe(15);
    expect(fn.Properties.Environment.Variables).toMatchObject({ GITHUB_API_URL: 'https://api.github.com', BATON_MANIFEST: 'manifest.json' });
    const invokeConfigs = resourcesOfType(s.resources, 'AWS::Lambda::EventInvokeConfig').filter(([, c]) => c.Properties.FunctionName.Ref === webhookFn);
    expect(invokeConfigs).toStrictEqual([]);
  });

  it('the events Lambda reads the App secrets and the token to complete check runs, on GITHUB_API_URL', () => {
    const [eventsFn, fn] = functionNamed('baton-events');
    expect(secretsOf(eventsFn)).toStrictEqual([...GITHUB_APP_SECRETS, 'GITHUB_TOKEN']);
    expect(fn.Properties.Environment.Variables.GITHUB_API_URL).toBe('https://api.github.com');
  });

  it('only the webhook and the events Lambda of the starters read GitHub secrets: the API and the schedule Lambda read none', () => {
    for (const service of ['baton-api', 'baton-schedule']) {
      const [id, fn] = functionNamed(service);
      expect(secretsOf(id), service).toStrictEqual([]);
      expect(fn.Properties.Environment.Variables.GITHUB_API_URL, service).toBeUndefined();
    }
  });

  it('runs the redelivery Lambda every 15 minutes from an EventBridge rule, with the failures queue as its DLQ', () => {
    const [redeliverFn, fn] = functionNamed('baton-redeliver');
    const [[queueId]] = resourcesOfType(s.resources, 'AWS::SQS::Queue').filter(([, q]) => q.Properties.QueueName === 'baton-test-failures');
    const rules = resourcesOfType(s.resources, 'AWS::Events::Rule').filter(([, r]) => r.Properties.ScheduleExpression);
    expect(rules).toHaveLength(1);
    const [[, rule]] = rules;
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED' });
    expect(rule.Properties.Targets).toStrictEqual([
      { Id: expect.any(String), Arn: { 'Fn::GetAtt': [redeliverFn, 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 } },
    ]);
    // A failed invocation (after Lambda's own two retries) lands in the same queue.
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: redeliverFn }, MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } } });
    expect(fn.Properties.Timeout).toBe(60);
  });

  it('the redelivery Lambda reads the two App secrets and nothing else: no table, no Step Functions, no token', () => {
    const [redeliverFn] = functionNamed('baton-redeliver');
    expect(policyOf(redeliverFn)).toStrictEqual(
      [
        'logs:CreateLogStream logs:PutLogEvents on own log group',
        'secretsmanager:GetSecretValue on secrets',
        'sqs:GetQueueAttributes sqs:GetQueueUrl sqs:SendMessage on failures queue',
        'xray:PutTelemetryRecords xray:PutTraceSegments on *',
      ].sort(),
    );
    expect(secretsOf(redeliverFn)).toStrictEqual(GITHUB_APP_SECRETS);
  });
});

describe('infra: events, schedules, alarms', () => {
  it('sends the status changes of every state machine to the events Lambda, with a DLQ', () => {
    const [[, rule]] = resourcesOfType(s.resources, 'AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern);
    const [eventsFn] = functionNamed('baton-events');
    expect(rule.Properties.EventPattern).toMatchObject({ source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'] });
    expect(rule.Properties.EventPattern.detail.stateMachineArn.map((r: { Ref: string }) => r.Ref).sort()).toStrictEqual(stateMachines().map(([id]) => id).sort());
    expect(rule.Properties.Targets).toMatchObject([{ Arn: { 'Fn::GetAtt': [eventsFn, 'Arn'] }, DeadLetterConfig: { Arn: expect.anything() }, RetryPolicy: { MaximumRetryAttempts: 8 } }]);
  });

  it('schedules exactly the on.schedule entries (none in the shipped definitions)', () => {
    expect(resourcesOfType(s.resources, 'AWS::Scheduler::Schedule')).toHaveLength(s.stack.workflows.flatMap((w) => w.manifest.schedules).length);
  });

  it('charts runs, step durations (p50, p99) and retries of each workflow', () => {
    const [[, dashboard]] = resourcesOfType(s.resources, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const name of workflowNames()) expect(body).toContain(`\\"workflow\\",\\"${name}\\"`);
    for (const metric of ['RunsStarted', 'RunsSucceeded', 'RunsFailed', 'StepDuration', 'StepRetries']) expect(body).toContain(`\\"Baton\\",\\"${metric}\\"`);
    expect(body).toContain('\\"stat\\":\\"p50\\"');
    expect(body).toContain('\\"stat\\":\\"p99\\"');
  });

  it('alarms, per workflow, on a failed run, a success rate under 90 % and an unusually slow run, into the encrypted topic', () => {
    const alarms = resourcesOfType(s.resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const [[topicId, topic]] = resourcesOfType(s.resources, 'AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    for (const name of workflowNames()) {
      const failed = alarms.find((a) => a.AlarmName === `baton-test-${name}-run-failed`);
      expect(failed).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      const rate = alarms.find((a) => a.AlarmName === `baton-test-${name}-success-rate`);
      expect(rate).toMatchObject({ Threshold: 90, ComparisonOperator: 'LessThanThreshold' });
      expect(rate!.Metrics.find((m: { Expression?: string }) => m.Expression)).toMatchObject({ Expression: expect.stringContaining('100 * FILL(ok, 0)') });
      for (const metric of rate!.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat)) expect(metric.MetricStat).toMatchObject({ Period: 3600, Stat: 'Sum' });
      const slow = alarms.find((a) => a.AlarmName === `baton-test-${name}-slow-run`);
      expect(slow).toMatchObject({ ComparisonOperator: 'GreaterThanUpperThreshold', ThresholdMetricId: expect.any(String) });
      expect(JSON.stringify(slow!.Metrics)).toContain('ANOMALY_DETECTION_BAND');
      expect(JSON.stringify(slow!.Metrics)).toContain('ExecutionTime');
    }
    for (const alarm of alarms) expect(alarm.AlarmActions).toStrictEqual([{ Ref: topicId }]);
    expect(alarms.find((a) => a.AlarmName === 'baton-test-undelivered')).toBeDefined();
  });

  it('lets CloudWatch use the topic key and refuses publishers without TLS', () => {
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(resourcesOfType(s.resources, 'AWS::SNS::Subscription')).toHaveLength(0);
  });
});

describe('infra: outputs', () => {
  it('names the API, the webhook, the table, the alarm topic and each state machine in the console', () => {
    expect(Object.keys(s.outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'WebhookUrl', 'TableName', 'AlarmTopic', 'ConsoleDeployRegions', 'ConsoleFeatureIntegration', 'ConsoleHotfixDeployment', 'ConsolePrProcessing']));
    expect(JSON.stringify(s.outputs.WebhookUrl.Value)).toContain('/github/webhook');
    expect(JSON.stringify(s.outputs.ConsolePrProcessing.Value)).toContain('.console.aws.amazon.com/states/home?region=');
  });
});
