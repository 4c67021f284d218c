/**
 * What a deployment and a run starter need to know about a compiled workflow,
 * besides its state machine: its inputs, its concurrency group, its triggers,
 * the Lambdas and child workflows its definition calls, and the secrets it
 * names. Pure and JSON-serialisable: the CDK stack writes it next to the API's
 * code at synth time, and `baton serve` builds it from the definitions folder.
 */
import type { CompileResult } from './compile.ts';
import { TEMPLATE_KEY, type InputSpec, type LambdaRole } from './contract/index.ts';
import type { GithubTrigger } from './model.ts';

export type { GithubTrigger };

export interface WorkflowManifest {
  name: string;
  description?: string;
  inputs: Record<string, InputSpec>;
  /** The steps of the main flow, in file order (handlers are not listed): a run result lists each, `pending` until it has a checkpoint. */
  steps: string[];
  /** `group` is a template over `inputs` (and `trigger`), evaluated by the starter. */
  concurrency?: { group: string; cancel_in_progress: boolean };
  /** Whether the API may start it (`on.api`, default true). */
  api: boolean;
  /** `on.schedule`: EventBridge Scheduler expressions. */
  schedules: string[];
  github: GithubTrigger[];
  /** Placeholder key → the Lambda it stands for (the compile result's resources). */
  lambdas: Record<string, LambdaRole>;
  /** Placeholder key → the child workflow it starts. */
  workflows: Record<string, string>;
  /** Every `secrets.NAME` the definition uses, sorted. */
  secrets: string[];
}

/** The manifest of a workflow that compiled; undefined when it did not. */
export function workflowManifest(result: CompileResult): WorkflowManifest | undefined {
  const workflow = result.workflow;
  if (!result.asl || !result.resources || !workflow) return undefined;
  return {
    name: workflow.name,
    ...(workflow.description ? { description: workflow.description.trim() } : {}),
    inputs: workflow.inputs as Record<string, InputSpec>,
    steps: workflow.regular,
    ...(workflow.concurrency ? { concurrency: { group: workflow.concurrency.group, cancel_in_progress: workflow.concurrency.cancelInProgress } } : {}),
    api: workflow.triggers.api,
    schedules: workflow.triggers.schedules,
    github: workflow.triggers.github,
    lambdas: result.resources.lambdas,
    workflows: result.resources.workflows,
    secrets: secretsOf(result.asl),
  };
}

/** The secret names a compiled definition's templates mention. */
export function secretsOf(asl: unknown): string[] {
  const names = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const parts = record[TEMPLATE_KEY];
      if (Array.isArray(parts)) for (const part of parts) if (part && typeof part === 'object' && 'secret' in part) names.add(String((part as { secret: unknown }).secret));
      Object.values(record).forEach(walk);
    }
  };
  walk(asl);
  return [...names].sort();
}
