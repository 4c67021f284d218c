/**
 * State machine and execution ARNs built from names, not from the resources:
 * the state machines reference the Lambdas (definition substitutions), so a
 * Lambda's policy that referenced a state machine resource would close a
 * dependency cycle. Names are fixed (`baton-<stage>-<workflow>`), so the ARN
 * is known before either exists.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export function stateMachineArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** Every execution of one state machine (execution names are chosen at run time). */
export function executionsArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** `BATON_STATE_MACHINE_PREFIX`: a workflow's state machine ARN is this plus the workflow's name. */
export function stateMachineArnPrefix(scope: Construct, namePrefix: string): string {
  return stateMachineArn(scope, namePrefix);
}

/** The Step Functions console page of a state machine. */
export function consoleUrl(scope: Construct, arn: string): string {
  const region = Stack.of(scope).region;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/statemachines/view/${arn}`;
}
