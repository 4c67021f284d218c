/**
 * The `approval` step kind and the decision that ends it.
 *
 * The step's Task state waits on a task token (`.waitForTaskToken`). Running the
 * step stores that token and the message and marks the checkpoint `waiting`; a
 * person's decision (API, CLI, `/approve` comment) goes through `decideApproval`,
 * which records it once, writes the checkpoint and releases the token. If the
 * decision is already there when the step runs (a re-invoked or resumed approval),
 * the token is released at once: nobody is asked twice.
 */

import type { ApprovalEvent } from '../../../compiler/contract/index.ts';
import { ErrorNames, StepAlreadySucceededError } from '../errors.ts';
import { selectOutputs } from '../outputs.ts';
import type { KindContext, KindOutcome, RuntimeDeps } from '../runtime-deps.ts';
import { parseStepKey, type ApprovalDecision, type ApprovalRecord, type StepKey } from '../store/index.ts';

export async function runApproval(inv: ApprovalEvent, ctx: KindContext): Promise<KindOutcome> {
  const { store } = ctx.deps;
  const now = ctx.now();
  const timeoutSeconds = inv.config?.timeout_seconds;
  const approval = await store.approvals.put(inv.run.id, ctx.key, {
    token: inv.token,
    message: ctx.redactor.redactText(String(inv.input?.message ?? '')),
    requested_at: now.toISOString(),
    timeout_at: typeof timeoutSeconds === 'number' ? new Date(now.getTime() + timeoutSeconds * 1000).toISOString() : undefined,
    outputs_spec: inv.outputs,
  });
  if (approval.decision) {
    await ignoreClosedToken(releaseApproval(ctx.deps, inv.run.id, ctx.key, approval));
    return { done: false };
  }
  // False when a decision landed between the two writes: that decision has
  // already written the checkpoint and released this very token.
  await store.steps.setStatus(inv.run.id, ctx.key, 'waiting');
  return { done: false };
}

export interface ApprovalDecisionInput {
  decision: ApprovalDecision;
  comment?: string;
  /** Who decided: a user name, a GitHub login. */
  by: string;
}

/**
 * Records a decision (once: `ApprovalAlreadyDecidedError` for a second one,
 * `ApprovalNotFoundError` if the run is not waiting for this approval), writes the
 * step's checkpoint and releases the waiting task: approve → SendTaskSuccess with
 * `{ outputs: { approved_by, comment, decided_at } }`; reject → SendTaskFailure with
 * `ApprovalRejected`. `step` is the step id (`<step>#<index>` under `for_each`).
 */
export async function decideApproval(
  deps: RuntimeDeps,
  runId: string,
  step: string,
  input: ApprovalDecisionInput,
): Promise<ApprovalRecord> {
  const key = parseStepKey(step);
  const decidedAt = (deps.now ?? (() => new Date()))().toISOString();
  const approval = await deps.store.approvals.decide(runId, key, {
    decision: input.decision,
    decided_by: input.by,
    comment: input.comment,
    decided_at: decidedAt,
  });
  await releaseApproval(deps, runId, key, approval);
  return approval;
}

/** Writes the decided approval's checkpoint, then releases its token. */
async function releaseApproval(deps: RuntimeDeps, runId: string, key: StepKey, approval: ApprovalRecord): Promise<void> {
  const { store, tokens } = deps;
  if (approval.decision === 'approve') {
    const result = { approved_by: approval.decided_by ?? null, comment: approval.comment ?? null, decided_at: approval.decided_at ?? null };
    let outputs = await selectOutputs(approval.outputs_spec, result);
    const attempt = (await store.steps.get(runId, key))?.attempts ?? 1;
    try {
      await store.steps.succeed(runId, key, { result, outputs: outputs === result ? undefined : outputs, attempt });
    } catch (error) {
      if (!(error instanceof StepAlreadySucceededError)) throw error;
      outputs = await store.steps.getOutputs(runId, key);
    }
    await tokens.sendSuccess(approval.token, { status: 'succeeded', outputs });
    return;
  }
  const cause = approval.comment ? `rejected by ${approval.decided_by}: ${approval.comment}` : `rejected by ${approval.decided_by}`;
  await store.steps.fail(runId, key, { name: ErrorNames.ApprovalRejected, message: cause });
  await tokens.sendFailure(approval.token, ErrorNames.ApprovalRejected, cause);
}

/** A token that is no longer open was released by someone else (or timed out): nothing to do. */
export async function ignoreClosedToken(release: Promise<void>): Promise<void> {
  try {
    await release;
  } catch (error) {
    if ((error as { name?: string }).name !== ErrorNames.TaskTokenClosed) throw error;
  }
}
