/** `GET /workflows` and `POST /workflows/{name}/runs`. */
import type { Router } from '@aws-lambda-powertools/event-handler/http';
import type { WorkflowManifest } from '../../runtime/starter/workflows.ts';
import { runIdProblems } from '../../runtime/starter/run-id.ts';
import { readJson, StartBody, zodProblems } from '../bodies.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, json } from '../responses.ts';

export function workflowRoutes(router: Router, deps: ApiDeps): void {
  const { workflows, executions } = deps.starter.deps;

  router.get('/workflows', () => json(200, { workflows: workflows.list().map(describeWorkflow) }));

  router.post('/workflows/:name/runs', async ({ params, req }) => {
    const workflow = workflows.find(params.name);
    if (!workflow) throw new ApiError(404, 'Baton.WorkflowNotFound', `no workflow named ${params.name} is deployed (GET /workflows lists them)`);
    if (!workflow.api) throw new ApiError(403, 'Baton.ApiStartDisabled', `workflow ${workflow.name} cannot be started through the API: its definition says on.api: false`);
    const body = await readJson(req);
    const shape = StartBody.safeParse(body);
    const raw = (body ?? {}) as { inputs?: unknown; run_id?: unknown };
    const request = {
      workflow: workflow.name,
      inputs: shape.success ? shape.data.inputs : raw.inputs,
      run_id: typeof raw.run_id === 'string' ? raw.run_id : undefined,
      trigger: { event: 'api', payload: {} },
    };
    if (!shape.success) {
      // Every problem at once: the body's shape, and what can be checked of the rest.
      const problems = zodProblems(shape.error);
      const inputsUsable = raw.inputs === undefined || (typeof raw.inputs === 'object' && raw.inputs !== null && !Array.isArray(raw.inputs));
      if (inputsUsable && isObject(body)) problems.push(...deps.starter.check(request).problems);
      else if (request.run_id !== undefined) problems.push(...runIdProblems(request.run_id));
      throw new ApiError(400, 'InputInvalid', `the run was not started: ${problems.join('; ')}`, problems);
    }
    const started = await deps.starter.start(request);
    return json(202, { run_id: started.run_id, execution_arn: started.execution_arn, console_url: executions.consoleUrl(started.execution_arn) });
  });
}

/** A deployed workflow as `GET /workflows` lists it: what it is and how to start it. */
function describeWorkflow(w: WorkflowManifest) {
  return {
    name: w.name,
    ...(w.description ? { description: w.description } : {}),
    inputs: w.inputs,
    api: w.api,
    schedules: w.schedules,
    github: w.github.map((g) => g.event),
    ...(w.concurrency ? { concurrency: w.concurrency } : {}),
  };
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
