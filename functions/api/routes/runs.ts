/** `GET /runs` (a page at a time) and `GET /runs/{id}` (the run result: docs/runtime.md, "The run result"). */
import type { Router } from '@aws-lambda-powertools/event-handler/http';
import { RunNotFoundError } from '../../runtime/errors.ts';
import { buildRunResult } from '../../runtime/run-result.ts';
import { parseOr400, RunsQuery } from '../bodies.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, json } from '../responses.ts';

export function runRoutes(router: Router, deps: ApiDeps): void {
  const { starter, store } = deps;
  const consoleUrl = (arn: string | undefined) => (arn ? starter.deps.executions.consoleUrl(arn) : null);

  router.get('/runs', async ({ req }) => {
    const query = parseOr400(RunsQuery, Object.fromEntries(new URL(req.url).searchParams), 'query');
    let page;
    try {
      // Without ?workflow=, the runs of every workflow this API serves, merged.
      page = await store.runs.page({ workflow: query.workflow, workflows: starter.deps.workflows.list().map((w) => w.name), limit: query.limit, after: query.cursor });
    } catch (error) {
      if (error instanceof SyntaxError) throw new ApiError(400, 'BadRequest', 'cursor is not one this API gave out (pass next_cursor back as it is)', ['query.cursor: not a cursor of this API']);
      throw error;
    }
    const runs = page.runs.map((run) => ({
      run_id: run.run_id,
      workflow: run.workflow,
      status: starter.statusOf(run),
      started_at: run.started_at,
      ...(run.ended_at ? { ended_at: run.ended_at } : {}),
    }));
    return json(200, { runs, ...(page.next ? { next_cursor: page.next } : {}) });
  });

  router.get('/runs/:id', async ({ params }) => {
    const record = await store.runs.get(params.id);
    const result = record && (await buildRunResult(store, params.id, starter.deps.workflows.find(record.workflow)?.steps));
    if (!record || !result) throw new RunNotFoundError(params.id);
    return json(200, { ...result, status: starter.statusOf(record), execution_arn: record.execution_arn ?? null, console_url: consoleUrl(record.execution_arn) });
  });
}
