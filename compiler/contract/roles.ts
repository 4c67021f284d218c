/**
 * The Lambda functions and child state machines a compiled definition calls, by
 * role, and the `${Key}` placeholders that stand for them. The CDK stack
 * substitutes each placeholder with an ARN (`definitionSubstitutions`); the local
 * engine binds each Task state to the handler of its role. Both read the roles
 * the compiler lists in `CompileResult.resources`, never the placeholder text.
 */

/** A Task whose `Resource` is the function itself: the event is `Parameters`, the result the function's return value. */
export const LAMBDA_INVOKE_WAIT_FOR_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
export const START_EXECUTION_SYNC = 'arn:aws:states:::states:startExecution.sync:2';

/**
 * What a Lambda does for the state machine:
 * - `control`: the run's own bookkeeping (start, finish, dependency barriers);
 * - `http`, `agent`, `approval`: the built-in step kinds;
 * - `function`: one user function file (its bundle holds that file's code).
 */
export type LambdaRole = { kind: 'control' } | { kind: 'http' } | { kind: 'agent' } | { kind: 'approval' } | { kind: 'function'; file: string };

export type LambdaKind = LambdaRole['kind'];

/** The placeholder key of a role. Two function files whose keys collide get `_2`, `_3` (the emitter sees to it). */
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

/** The placeholder key of a child workflow's state machine. */
export function stateMachineKey(workflow: string): string {
  return `BatonWorkflow_${workflow.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** `${Key}`: what `DefinitionSubstitutions` replaces. */
export function placeholder(key: string): string {
  return '${' + key + '}';
}

/** The key inside `${Key}`, or undefined for any other string. */
export function placeholderKey(value: unknown): string | undefined {
  const match = typeof value === 'string' ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(value) : null;
  return match?.[1];
}

/** How a Task state reaches what it calls. */
export type TaskTarget =
  | { integration: 'lambda'; key: string }
  | { integration: 'lambda.waitForTaskToken'; key: string }
  | { integration: 'startExecution.sync'; key: string };

/** Which placeholder a compiled Task state calls, and through which integration. */
export function taskTarget(state: Record<string, unknown>): TaskTarget | undefined {
  const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
  const direct = placeholderKey(state.Resource);
  if (direct) return { integration: 'lambda', key: direct };
  if (state.Resource === LAMBDA_INVOKE_WAIT_FOR_TOKEN) {
    const key = placeholderKey(parameters.FunctionName);
    return key ? { integration: 'lambda.waitForTaskToken', key } : undefined;
  }
  if (state.Resource === START_EXECUTION_SYNC) {
    const key = placeholderKey(parameters.StateMachineArn);
    return key ? { integration: 'startExecution.sync', key } : undefined;
  }
  return undefined;
}

/**
 * The definition with each `${Key}` replaced by its value, as Step Functions
 * applies `DefinitionSubstitutions` (for checks that want real ARNs).
 */
export function substitutePlaceholders(asl: unknown, values: Record<string, string>): unknown {
  const text = JSON.stringify(asl).replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => values[key] ?? whole);
  return JSON.parse(text);
}

/** ARNs shaped like real ones for every placeholder of a definition (tests, the local check of a synthesized stack). */
export function exampleArns(resources: { lambdas: Record<string, LambdaRole>; workflows: Record<string, string> }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(resources.lambdas)) out[key] = `arn:aws:lambda:us-east-1:123456789012:function:${key}`;
  for (const key of Object.keys(resources.workflows)) out[key] = `arn:aws:states:us-east-1:123456789012:stateMachine:${key}`;
  return out;
}
