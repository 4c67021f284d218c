/**
 * The names the compiled state machine shares with its deployment and runtime:
 * service integration ARNs, the placeholders the CDK stack substitutes
 * (`DefinitionSubstitutions`), and error names the retry policies mention.
 */

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_INVOKE_WAIT_FOR_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
export const START_EXECUTION_SYNC = 'arn:aws:states:::states:startExecution.sync:2';

/** AWS's advice for Lambda tasks, plus the throttling error CDK's default leaves out (FACTS.md). */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
];

/**
 * Errors a retry policy leaves alone unless its `on` names them. The runtime's
 * errors.ts has the same names (a test keeps the two equal); the compiler imports
 * nothing of the runtime.
 */
export const NEVER_RETRIED_BY_DEFAULT = [
  'ApprovalRejected',
  'InputInvalid',
  'Baton.RunPaused',
  'Baton.RunCancelled',
  'AgentUsageLimit',
  'AgentRequestInvalid',
  'AgentUnauthorized',
  'AgentForbidden',
];

/** The Lambda functions a state machine calls, as `${Key}` placeholders the stack substitutes with ARNs. */
export type LambdaRole = { kind: 'control' } | { kind: 'http' } | { kind: 'agent' } | { kind: 'approval' } | { kind: 'function'; file: string };

export function lambdaKey(role: LambdaRole): string {
  switch (role.kind) {
    case 'control':
      return 'BatonControlFunction';
    case 'http':
      return 'BatonHttpFunction';
    case 'agent':
      return 'BatonAgentFunction';
    case 'approval':
      return 'BatonApprovalFunction';
    case 'function':
      return `BatonFn_${role.file.replace(/^\.\//, '').replace(/[^A-Za-z0-9]/g, '_')}`;
  }
}

export function stateMachineKey(workflow: string): string {
  return `BatonWorkflow_${workflow.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** `${Key}`: what `DefinitionSubstitutions` replaces. */
export function placeholder(key: string): string {
  return '${' + key + '}';
}

/** How long the state machine waits between polls of a long agent run. */
export const AGENT_POLL_SECONDS = 10;
/** An approval nobody decides fails after this long, unless `approval.timeout` says otherwise. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 7 * 86400;
