/**
 * What the API answers: JSON bodies, and errors as `{ error, message,
 * problems? }` with the status their cause deserves. A store or starter
 * refusal becomes its 4xx here, at the boundary; anything else is a 500 that
 * says where to look, never a stack trace.
 */
import { ErrorNames } from '../runtime/errors.ts';

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A refusal the API itself decides (a bad body, an unknown workflow, a workflow closed to the API). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems?: string[];
  constructor(status: number, code: string, message: string, problems?: string[]) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    if (problems) this.problems = problems;
  }
}

/** The domain errors a request can run into, by name, and the status each one answers. */
const STATUS_BY_NAME: Record<string, number> = {
  [ErrorNames.InputInvalid]: 400,
  [ErrorNames.RunNotFound]: 404,
  'Baton.WorkflowNotFound': 404,
  [ErrorNames.ApprovalNotFound]: 404,
  [ErrorNames.RunExists]: 409,
  [ErrorNames.RunFinished]: 409,
  [ErrorNames.VersionConflict]: 409,
  [ErrorNames.ApprovalAlreadyDecided]: 409,
  [ErrorNames.TaskTokenClosed]: 409,
  [ErrorNames.RunOwned]: 409,
  'Baton.RunState': 409,
  NotFoundError: 404,
  MethodNotAllowedError: 405,
  ParameterValidationError: 400,
  URIError: 400,
};

export interface ErrorAnswer {
  status: number;
  body: { error: string; message: string; problems?: string[] };
}

/** The answer to a failed request; `unexpected` is set for a 500, which the caller logs. */
export function errorAnswer(error: unknown, requestId?: string): ErrorAnswer & { unexpected?: true } {
  if (error instanceof ApiError) return { status: error.status, body: { error: error.code, message: error.message, ...(error.problems ? { problems: error.problems } : {}) } };
  const e = error as { name?: string; message?: string; problems?: string[] };
  const status = e.name ? STATUS_BY_NAME[e.name] : undefined;
  if (status) {
    const name = e.name === 'NotFoundError' ? 'RouteNotFound' : e.name === 'URIError' || e.name === 'ParameterValidationError' ? 'BadPath' : e.name!;
    return { status, body: { error: name, message: e.message ?? name, ...(Array.isArray(e.problems) ? { problems: e.problems } : {}) } };
  }
  return {
    status: 500,
    unexpected: true,
    body: { error: 'InternalError', message: `the request failed inside Baton${requestId ? ` (request ${requestId})` : ''}; the API's log says why` },
  };
}
