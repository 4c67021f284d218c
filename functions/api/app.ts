/**
 * The runs API: Powertools' HTTP router over API Gateway REST proxy events, the
 * routes of docs/api.md. The Lambda entry (handler.ts) and `baton serve`
 * (cli/serve/) both call `createApi` with their own deps, so the same code
 * answers on AWS and on localhost.
 */
import { Router } from '@aws-lambda-powertools/event-handler/http';
import type { ApiDeps } from './deps.ts';
import type { ProxyEvent, ProxyHandler, ProxyResult } from './proxy.ts';
import { errorAnswer, json } from './responses.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { controlRoutes } from './routes/control.ts';
import { runRoutes } from './routes/runs.ts';
import { workflowRoutes } from './routes/workflows.ts';

/** The routes, as `baton serve` prints them and docs/api.md describes them. */
export const API_ROUTES = [
  'GET  /workflows',
  'POST /workflows/{name}/runs',
  'GET  /runs',
  'GET  /runs/{id}',
  'POST /runs/{id}/cancel',
  'POST /runs/{id}/pause',
  'POST /runs/{id}/resume',
  'POST /runs/{id}/retry',
  'POST /runs/{id}/approvals/{step}',
] as const;

/** A module of more routes: `POST /github/webhook` plugs in here (on AWS and under `baton serve`). */
export type RouteModule = (router: Router, deps: ApiDeps) => void;

export function createApi(deps: ApiDeps, extensions: RouteModule[] = []): ProxyHandler {
  const log = deps.logger;
  const router = new Router({
    logger: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => log?.warn('router', { detail: args.map(String).join(' ') }),
      error: (...args: unknown[]) => log?.error('router', { detail: args.map(String).join(' ') }),
    } as never,
  });
  workflowRoutes(router, deps);
  runRoutes(router, deps);
  controlRoutes(router, deps);
  approvalRoutes(router, deps);
  for (const extend of extensions) extend(router, deps);
  router.errorHandler(Error, async (error, reqCtx) => {
    const requestId = (reqCtx.event as ProxyEvent | undefined)?.requestContext?.requestId;
    const answer = errorAnswer(error, requestId);
    if (answer.unexpected) log?.error('request.failed', { request_id: requestId, error: error.name, message: error.message, stack: error.stack });
    return json(answer.status, answer.body);
  });
  return async (event, context) => (await router.resolve(event as never, (context ?? {}) as never)) as ProxyResult;
}
