/**
 * `POST /github/webhook`: one GitHub delivery in, one answer out. The order is
 * the order of what can be wrong: too large (413), not JSON by its content type
 * (415), not signed by GitHub (401), not a delivery at all (400); then `ping`;
 * then the delivery is claimed (a duplicate starts nothing), every deployed
 * workflow's `on.github` triggers are matched, trusted ones start runs with ids
 * derived from the delivery, and the answer says which workflows matched,
 * which started (with run ids) and which were refused, and why. GitHub shows
 * that answer in the webhook's delivery log.
 *
 * A failure half way (the starter unreachable) answers 500 and gives the claim
 * back: a redelivery starts what is missing and finds the rest already started.
 */
import type { CheckpointStore } from '../runtime/store/index.ts';
import { openCheckRun, reportRun, type ChecksDeps } from './checks.ts';
import { approvalCommandOf, decideByComment, type CommentApprovalOutcome } from './comment-approvals.ts';
import { GithubSetupError } from './errors.ts';
import { headSha, installationId, object, pullRequestNumber, repositoryName, runTrigger, type GithubEvent, type RunTrigger } from './event.ts';
import type { GithubClients } from './github-client.ts';
import { startRefusal, type ApprovalsPort, type RunStarterPort, type Workflows } from './ports.ts';
import { bodyText, byteLength, HeaderMap, mediaType, type WebhookRequest } from './request.ts';
import { runIdFor } from './run-ids.ts';
import { checkSignature, type WebhookSecretSource } from './signature.ts';
import { renderTriggerInputs } from './trigger-inputs.ts';
import { matchTriggers } from './triggers.ts';
import type { WorkflowManifest } from '../../compiler/manifest.ts';

/** API Gateway's limit on a request; GitHub sends up to 25 MB. */
export const MAX_DELIVERY_BYTES = 10 * 1024 * 1024;

/** A claim older than this belongs to a request that died: a redelivery takes it over. GitHub gives a delivery 10 s. */
export const CLAIM_STALE_SECONDS = 60;

export interface WebhookDeps {
  secrets: WebhookSecretSource;
  store: CheckpointStore;
  starter: RunStarterPort;
  workflows: Workflows;
  /** GitHub's API: check runs, and who may decide an approval. Without it, neither happens. */
  github?: GithubClients;
  /** Decides approvals for `/approve` and `/reject` comments. */
  approvals?: ApprovalsPort;
  /** Structured events, one JSON line each on AWS; never a secret or a signature. */
  log?: (event: object) => void;
  now?: () => Date;
  claimStaleSeconds?: number;
  maxBodyBytes?: number;
}

export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

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

export async function handleDelivery(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookAnswer> {
  try {
    return await handle(request, deps);
  } catch (error) {
    const message = error instanceof GithubSetupError ? error.message : `Baton could not handle the delivery: ${(error as Error).message ?? String(error)}`;
    deps.log?.({ event: 'github.delivery_error', message });
    return { status: 500, body: { error: error instanceof GithubSetupError ? 'setup' : 'internal', message } };
  }
}

async function handle(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookAnswer> {
  const headers = new HeaderMap(request.headers);
  const refuse = (status: number, error: string, message: string): WebhookAnswer => {
    deps.log?.({ event: 'github.delivery_refused', status, error, message });
    return { status, body: { error, message } };
  };

  const limit = deps.maxBodyBytes ?? MAX_DELIVERY_BYTES;
  const size = byteLength(request.body);
  if (size > limit) return refuse(413, 'too_large', `the delivery is ${size} bytes; Baton takes at most ${limit} (API Gateway's limit), GitHub sends up to 25 MB`);

  const contentType = headers.one('content-type');
  if (typeof contentType === 'object') return refuse(400, 'bad_request', 'Content-Type is sent more than once');
  if (contentType !== undefined && mediaType(contentType) === 'application/x-www-form-urlencoded') {
    return refuse(415, 'unsupported_media_type', "the webhook sends application/x-www-form-urlencoded: choose Content type application/json in the webhook's settings on GitHub");
  }
  if (contentType !== undefined && !/^application\/([a-z0-9.+-]+\+)?json$/.test(mediaType(contentType))) {
    return refuse(415, 'unsupported_media_type', `Baton takes application/json, not ${mediaType(contentType)}: choose Content type application/json in the webhook's settings on GitHub`);
  }

  const signature = headers.one('x-hub-signature-256');
  if (typeof signature === 'object') return refuse(401, 'signature', 'X-Hub-Signature-256 is sent more than once');
  const legacy = headers.one('x-hub-signature');
  const text = bodyText(request.body);
  if (text === undefined) return refuse(400, 'bad_request', 'the body is not UTF-8 text, so it cannot be a GitHub delivery');
  const checked = await checkSignature(text, signature, deps.secrets, typeof legacy === 'string' ? legacy : undefined);
  if (!checked.ok) return refuse(401, 'signature', checked.message);

  const name = headers.one('x-github-event');
  const delivery = headers.one('x-github-delivery');
  if (typeof name !== 'string' || !/^[a-z_]{1,100}$/.test(name)) return refuse(400, 'bad_request', 'X-GitHub-Event is missing, repeated, or not an event name');
  if (typeof delivery !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(delivery)) return refuse(400, 'bad_request', 'X-GitHub-Delivery is missing, repeated, or not a delivery id');

  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    return refuse(400, 'bad_json', `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return refuse(400, 'bad_json', 'the body is JSON but not an object');
  const record = payload as Record<string, unknown>;
  const event: GithubEvent = { name, delivery, payload: record, ...(typeof record.action === 'string' ? { action: record.action } : {}) };

  if (name === 'ping') {
    deps.log?.({ event: 'github.ping', delivery, secret: checked.secret });
    return { status: 200, body: { delivery, event: name, message: 'pong: Baton checked the signature and is listening' } };
  }
  return handleEvent(event, deps);
}

async function handleEvent(event: GithubEvent, deps: WebhookDeps): Promise<WebhookAnswer> {
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

