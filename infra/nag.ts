/**
 * cdk-nag's AwsSolutions and Serverless packs, and the findings Baton
 * acknowledges. Each acknowledgement is made next to the resource it is
 * about, with one of the reasons below, so the list of exceptions and their
 * justification can be read in one place.
 */
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Runs both packs over the app at synth: an unacknowledged finding fails it. */
export function addChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

export const REASONS = {
  xrayWildcard:
    'X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules, xray:GetSamplingTargets) and Step Functions log delivery (logs:CreateLogDelivery, logs:GetLogDelivery, logs:UpdateLogDelivery, logs:DeleteLogDelivery, logs:ListLogDeliveries, logs:DescribeLogGroups, logs:DescribeResourcePolicies, logs:PutResourcePolicy) have no resource-level permissions: AWS requires Resource "*" for them. tests/infra checks that no other action gets "*".',
  executions:
    'Execution names are chosen per run (the run id), so the resource is every execution of one named state machine of this stack (execution:<name>:*), never of another.',
  syncLambda:
    'Invoked synchronously (a Step Functions Task or the API Gateway proxy): a dead-letter queue only applies to asynchronous invocations; errors go back to the caller, whose Retry/Catch or HTTP answer handles them.',
  asyncLambda:
    'Failed asynchronous events go to an on-failure destination (the failures queue), which carries the error along with the event; a DLQ as well would hold each failure twice.',
  failuresQueue: 'This queue is itself the dead-letter queue / failure destination of the schedules, the execution status rule, the asynchronous Lambdas and the alarm subscriptions; an alarm watches it.',
  apiCloudWatchRole: "API Gateway's account-wide logging role uses AWS's own AmazonAPIGatewayPushToCloudWatchLogs, the policy API Gateway documents for that role.",
  waf: 'Every route but the webhook requires SigV4 (IAM) auth and the stage is throttled; the webhook checks GitHub\'s HMAC signature. A web ACL (about $5/month and up, idle) can be added per deployment if the API is exposed more widely.',
  iamNotCognito: 'The API uses IAM (SigV4) authorization: its callers are CI systems, scripts and operators with AWS credentials, not end users of a Cognito user pool.',
  webhookAuth:
    "GitHub cannot sign requests with SigV4 or hold Cognito tokens; it signs the body with the webhook secret (X-Hub-Signature-256, HMAC-SHA256), which the webhook Lambda verifies before it reads the delivery, refusing an unsigned or wrongly signed one with 401. The stage's throttling applies to this route too.",
} as const;

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The IAM5 finding id cdk-nag reports for a resource ARN made by `formatArn` in this stack. */
export function iam5Finding(arnPattern: string): string {
  return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${arnPattern}]`;
}

/** The finding for `execution:<name>:*` of one state machine. */
export function executionsFinding(stateMachineName: string): string {
  return iam5Finding(`states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName}:*`);
}
