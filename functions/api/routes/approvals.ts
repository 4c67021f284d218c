/** `POST /runs/{id}/approvals/{step}`: a person's decision, once. */
import type { Router } from '@aws-lambda-powertools/event-handler/http';
import { RunNotFoundError } from '../../runtime/errors.ts';
import { decideApproval } from '../../runtime/kinds/approval.ts';
import type { RuntimeDeps } from '../../runtime/runtime-deps.ts';
import { DecisionBody, parseOr400, readJson } from '../bodies.ts';
import { callerOf, type ApiDeps } from '../deps.ts';
import { json } from '../responses.ts';

export function approvalRoutes(router: Router, deps: ApiDeps): void {
  router.post('/runs/:id/approvals/:step', async ({ params, req, event }) => {
    const body = parseOr400(DecisionBody, await readJson(req));
    if (!(await deps.store.runs.get(params.id))) throw new RunNotFoundError(params.id);
    // decideApproval reads only the store, the tokens and the clock.
    const runtime = { store: deps.store, tokens: deps.tokens, now: deps.now } as RuntimeDeps;
    // A second decision is refused (ApprovalAlreadyDecided → 409): the first one stands.
    const approval = await decideApproval(runtime, params.id, params.step, { decision: body.decision, comment: body.comment, by: callerOf(event) });
    return json(200, {
      run_id: params.id,
      step: params.step,
      decision: approval.decision,
      decided_by: approval.decided_by,
      decided_at: approval.decided_at,
      ...(approval.comment !== undefined ? { comment: approval.comment } : {}),
    });
  });
}
