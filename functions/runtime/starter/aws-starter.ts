/**
 * The starter as the Lambdas that start runs build it (the API, schedules, the
 * events handler, later the webhook): DynamoDB, Step Functions, and the
 * manifest file bundled next to the Lambda's code.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { awsDeps, LambdaEnv, readEnv } from '../aws-deps.ts';
import type { Observability } from '../observability.ts';
import { StepFunctionsExecutions } from './sfn-executions.ts';
import { RunStarter } from './starter.ts';
import { WorkflowCatalog } from './workflows.ts';

/** What every Lambda that starts runs reads besides the common variables. */
export const StarterEnv = LambdaEnv.extend({
  /** A workflow's state machine ARN is this plus its name. */
  BATON_STATE_MACHINE_PREFIX: z.string().regex(/^arn:[^:]+:states:[^:]+:\d+:stateMachine:/, 'must be an ARN prefix like arn:aws:states:us-east-1:123456789012:stateMachine:baton-'),
  /** The manifests' file (`{ "workflows": [...] }`); default `manifest.json` next to the bundle. */
  BATON_MANIFEST: z.string().min(1).optional(),
});
export type StarterEnv = z.infer<typeof StarterEnv>;

/** The manifest file's path: BATON_MANIFEST, else `manifest.json` in the folder of `moduleUrl` (the bundle). */
export function manifestPath(env: StarterEnv, moduleUrl: string): string {
  return env.BATON_MANIFEST ?? fileURLToPath(new URL('manifest.json', moduleUrl));
}

/** Reads the environment (once: call it at cold start) and builds the starter and what it uses. */
export function awsStarter(observability: Observability, moduleUrl: string, env: Record<string, string | undefined> = process.env) {
  const starterEnv = readEnv(StarterEnv, env);
  const aws = awsDeps(starterEnv, { capture: observability.capture });
  const executions = new StepFunctionsExecutions(aws.sfn, starterEnv.BATON_STATE_MACHINE_PREFIX);
  const workflows = WorkflowCatalog.fromFile(manifestPath(starterEnv, moduleUrl));
  const starter = new RunStarter({ store: aws.store, executions, workflows, metrics: observability.metrics, log: observability.logger });
  return { env: starterEnv, aws, executions, workflows, starter };
}
