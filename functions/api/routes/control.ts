/** `POST /runs/{id}/cancel`, `/pause`, `/resume`, `/retry`. */
import type { Router } from '@aws-lambda-powertools/event-handler/http';
import { cancelRun, pauseRun } from '../../runtime/starter/run-control.ts';
import type { RelaunchMode } from '../../runtime/starter/starter.ts';
import { EmptyBody, parseOr400, readJson } from '../bodies.ts';
import { callerOf, type ApiDeps } from '../deps.ts';
import { json } from '../responses.ts';

export function controlRoutes(router: Router, deps: ApiDeps): void {
  const { starter } = deps;

  router.post('/runs/:id/cancel', async ({ params, req, event }) => {
    parseOr400(EmptyBody, await readJson(req));
    const run = await cancelRun(starter, params.id, `cancelled through the API by ${callerOf(event)}`);
    return json(202, { run_id: run.run_id, status: run.status, requested: 'cancel' });
  });

  router.post('/runs/:id/pause', async ({ params, req, event }) => {
    parseOr400(EmptyBody, await readJson(req));
    const run = await pauseRun(starter, params.id, `paused through the API by ${callerOf(event)}`);
    return json(202, { run_id: run.run_id, status: run.status, requested: 'pause' });
  });

  for (const mode of ['resume', 'retry'] as const satisfies RelaunchMode[]) {
    router.post(`/runs/:id/${mode}`, async ({ params, req }) => {
      parseOr400(EmptyBody, await readJson(req));
      const started = await starter.relaunch(params.id, mode);
      return json(202, { run_id: started.run_id, execution_arn: started.execution_arn, console_url: starter.deps.executions.consoleUrl(started.execution_arn) });
    });
  }
}
