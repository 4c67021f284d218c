/**
 * What the GitHub side needs from the rest of Baton, as narrow structural
 * ports: the run starter (functions/runtime/starter/), the catalog of deployed
 * workflows, and the approval decision that `baton approve` and the API use.
 * The webhook never reaches past these, so the real ones plug in unchanged and
 * tests pass small fakes.
 */
import type { WorkflowManifest } from '../../compiler/manifest.ts';
import { decideApproval } from '../runtime/kinds/approval.ts';
import type { RuntimeDeps } from '../runtime/runtime-deps.ts';
import type { RunStatus } from '../runtime/store/index.ts';

export interface StartRequest {
  workflow: string;
  inputs?: unknown;
  /** The idempotency key: a second start with the same id and request answers the first run. */
  run_id?: string;
  trigger?: unknown;
}

export interface Started {
  run_id: string;
  execution_arn: string;
  status: RunStatus;
}

/**
 * Starts runs. Refusals it may throw: an error with `problems: string[]` (the
 * starter's `StartInvalidError`: inputs that do not validate, every problem) and
 * one named `WorkflowNotFoundError`. Anything else is taken as transient.
 */
export interface RunStarterPort {
  start(request: StartRequest): Promise<Started>;
}

/** The deployed workflows, whose `on.github` triggers the webhook matches. */
export interface Workflows {
  list(): WorkflowManifest[] | Promise<WorkflowManifest[]>;
}

export type Decision = 'approve' | 'reject';

/** Decides a waiting approval, once, as `baton approve` does; `by` is who decided (a GitHub login). */
export interface ApprovalsPort {
  decide(runId: string, step: string, decision: Decision, by: string, comment?: string): Promise<void>;
}

/** The approvals port over the runtime's own decision path (`decideApproval`), for a host that has runtime deps. */
export function runtimeApprovals(deps: RuntimeDeps): ApprovalsPort {
  return {
    async decide(runId, step, decision, by, comment) {
      await decideApproval(deps, runId, step, { decision, by, ...(comment ? { comment } : {}) });
    },
  };
}

/** Why a start was refused, when the starter says so; undefined for anything transient. */
export function startRefusal(error: unknown): { reason: 'inputs'; problems: string[] } | { reason: 'workflow_not_found'; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { problems, name, message } = error as { problems?: unknown; name?: unknown; message?: unknown };
  if (Array.isArray(problems)) return { reason: 'inputs', problems: problems.map(String) };
  if (typeof name === 'string' && name.includes('WorkflowNotFound')) return { reason: 'workflow_not_found', message: String(message ?? name) };
  return undefined;
}
