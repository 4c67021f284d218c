/**
 * A delivery whose signature checked out: it is claimed (a duplicate starts
 * nothing), every deployed workflow's `on.github` triggers are matched,
 * trusted ones start runs with ids derived from the delivery (each with its
 * check run), `/approve` comments decide approvals, and the answer says which
 * workflows matched, which started (with run ids) and which were refused, and
 * why.
 *
 * A failure half way (the starter unreachable) answers 500 and gives the claim
 * back: a redelivery starts what is missing and finds the rest already started.
 */
import type { WorkflowManifest } from '../../compiler/manifest.ts';
import { openCheckRun, reportRun, type ChecksDeps } from './checks.ts';
import { approvalCommandOf, decideByComment, type CommentApprovalOutcome } from './comment-approvals.ts';
import { headSha, installationId, object, pullRequestNumber, repositoryName, runTrigger, type GithubEvent, type RunTrigger } from './event.ts';
import { startRefusal } from './ports.ts';
import { runIdFor } from './run-ids.ts';
import { renderTriggerInputs } from './trigger-inputs.ts';
import { matchTriggers } from './triggers.ts';
import type { WebhookAnswer, WebhookDeps } from './webhook.ts';

/** A claim older than this belongs to a request that died: a redelivery takes it over. GitHub gives a delivery 10 s. */
export const CLAIM_STALE_SECONDS = 60;

export interface StartedRun {
  workflow: string;
  run_id: string;
  status: string;
  execution_arn: string;
  check_run_id?: number;
}

export type RefusedRun =
  | { workflow: string; reason: 'untrusted'; message: string }
  | { workflow: string; reason: 'inputs'; message: string; problems: string[] }
  | { workflow: string; reason: 'workflow_not_found'; message: string };

/** The answer to a delivery that was handled. */
export interface DeliveryOutcome {
  delivery: string;
  event: string;
  action?: string;
  /** Workflows whose trigger filters matched the event. */
  matched: string[];
  started: StartedRun[];
  refused: RefusedRun[];
  approvals?: CommentApprovalOutcome;
}

export async function handleVerifiedDelivery(event: GithubEvent, deps: WebhookDeps): Promise<WebhookAnswer> {
  // Read before the claim: a catalog that cannot be read leaves nothing behind to go stale.
  const workflows = await deps.workflows.list();
  const claim = await deps.store.deliveries.claim(event.delivery, event.name, deps.claimStaleSeconds ?? CLAIM_STALE_SECONDS);
  if (claim.outcome === 'done') {
    deps.log?.({ event: 'github.delivery_duplicate', delivery: event.delivery, runs: claim.record.runs });
    return { status: 200, body: { ...(object(claim.record.answer) ?? { delivery: event.delivery }), duplicate: true } };
  }
  if (claim.outcome === 'busy') {
    deps.log?.({ event: 'github.delivery_busy', delivery: event.delivery, claimed_at: claim.record.claimed_at });
    return { status: 409, body: { error: 'in_progress', message: `delivery ${event.delivery} is being handled by another request since ${claim.record.claimed_at}` } };
  }

  const outcome: DeliveryOutcome = { delivery: event.delivery, event: event.name, ...(event.action ? { action: event.action } : {}), matched: [], started: [], refused: [] };
  try {
    const trigger = runTrigger(event);
    const starts: Array<Promise<void>> = [];
    for (const workflow of workflows) {
      const match = matchTriggers(workflow.github, event);
      if (match.kind === 'none') continue;
      outcome.matched.push(workflow.name);
      if (match.kind === 'untrusted') {
        outcome.refused.push({ workflow: workflow.name, reason: 'untrusted', message: `author association ${match.association} is not trusted by this trigger (authors: ${match.allowed.join(', ')})` });
        continue;
      }
      starts.push(startRun(deps, event, trigger, workflow, match.trigger.with, outcome));
    }
    const command = approvalCommandOf(event);
    const [approvals] = await Promise.all([command ? decideByComment(deps, event, command) : undefined, settleAll(starts)]);
    if (approvals) outcome.approvals = approvals;
    outcome.started.sort((a, b) => a.workflow.localeCompare(b.workflow));
    outcome.refused.sort((a, b) => a.workflow.localeCompare(b.workflow));
  } catch (error) {
    await deps.store.deliveries.release(event.delivery, claim.claim);
    const message = `Baton could not finish the delivery (${(error as Error).message}); what started is kept, and a redelivery starts the rest`;
    deps.log?.({ event: 'github.delivery_failed', delivery: event.delivery, message, started: outcome.started.map((s) => s.run_id) });
    return { status: 500, body: { error: 'start_failed', message, ...outcome } };
  }

  await deps.store.deliveries.complete(event.delivery, claim.claim, { runs: outcome.started.map((s) => s.run_id), answer: outcome });
  deps.log?.({ event: 'github.delivery', delivery: event.delivery, name: event.name, action: event.action, matched: outcome.matched, started: outcome.started.map((s) => s.run_id), refused: outcome.refused.map((r) => `${r.workflow}: ${r.reason}`), taken_over: claim.takenOver });
  const acted = outcome.started.length > 0 || (outcome.approvals?.decided.length ?? 0) > 0;
  return { status: acted ? 202 : 200, body: { ...outcome } };
}

/** Starts one workflow's run for the event, with its check run; a refusal goes into `outcome`, anything transient is thrown. */
async function startRun(deps: WebhookDeps, event: GithubEvent, trigger: RunTrigger, workflow: WorkflowManifest, given: Record<string, unknown> | undefined, outcome: DeliveryOutcome): Promise<void> {
  const runId = runIdFor(event.delivery, workflow.name);
  const { inputs, problems } = renderTriggerInputs(given, trigger);
  if (problems.length > 0) {
    outcome.refused.push({ workflow: workflow.name, reason: 'inputs', message: `the trigger's with: cannot be rendered from this event`, problems });
    return;
  }
  const checks = checksDeps(deps);
  const target = checkTarget(event);
  const check = checks && target ? await openCheckRun(checks, target, { run_id: runId, workflow: workflow.name }) : undefined;
  let started;
  try {
    started = await deps.starter.start({ workflow: workflow.name, inputs, run_id: runId, trigger });
  } catch (error) {
    const refusal = startRefusal(error);
    if (!refusal) throw error;
    if (refusal.reason === 'inputs') outcome.refused.push({ workflow: workflow.name, reason: 'inputs', message: 'the inputs do not validate', problems: refusal.problems });
    else outcome.refused.push({ workflow: workflow.name, reason: 'workflow_not_found', message: refusal.message });
    if (check && checks) {
      const error = refusal.reason === 'inputs' ? { name: 'InputInvalid', cause: refusal.problems.join('\n') } : { name: 'WorkflowNotFound', cause: refusal.message };
      await reportRun(checks, { run_id: runId, workflow: workflow.name, status: 'failed', error });
    }
    return;
  }
  const repository = repositoryName(event);
  const number = pullRequestNumber(event);
  await Promise.all([
    repository && number !== undefined ? deps.store.pullRequests.addRun(repository, number, started.run_id, workflow.name) : undefined,
    check && checks ? reportRun(checks, { run_id: started.run_id, workflow: workflow.name, status: started.status, execution_arn: started.execution_arn, started_at: (deps.now?.() ?? new Date()).toISOString() }) : undefined,
  ]);
  outcome.started.push({ workflow: workflow.name, run_id: started.run_id, status: started.status, execution_arn: started.execution_arn, ...(check ? { check_run_id: check.check_run_id } : {}) });
}

/** Waits for every start, then throws the first failure: one workflow's trouble never abandons another's start. */
async function settleAll(starts: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function checksDeps(deps: WebhookDeps): ChecksDeps | undefined {
  return deps.github ? { store: deps.store, github: deps.github, log: deps.log, now: deps.now } : undefined;
}

/** Where the run's check run goes: the head commit of a pull request or a push. */
function checkTarget(event: GithubEvent) {
  const sha = headSha(event);
  const repository = repositoryName(event);
  if (!sha || !repository) return undefined;
  const [owner, repo] = repository.split('/');
  const installation = installationId(event);
  return { owner, repo, head_sha: sha, ...(installation === undefined ? {} : { installation_id: installation }) };
}

