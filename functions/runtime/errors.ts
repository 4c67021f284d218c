/**
 * Every error name the runtime throws. Step Functions matches `Retry`/`Catch`
 * `ErrorEquals` against the thrown error's `name`, and workflow authors write these
 * names in `retry.on`, so this file is part of the compiled contract: rename nothing.
 */

export const ErrorNames = {
  /** An HTTP step or agent got 429 Too Many Requests. Retried by default. */
  Throttled: 'Throttled',
  /** An HTTP step or agent got a 5xx answer. Retried by default. */
  ServerError: 'ServerError',
  /** No answer: connection refused or reset, DNS failure, request timeout. Retried by default. */
  NetworkError: 'NetworkError',
  /** An HTTP step got a status outside `expect` (and not 429/5xx). */
  HttpError: 'HttpError',
  /** An agent answered with an error that is not transient (4xx other than 429, a bad reply). */
  AgentError: 'AgentError',
  /** `format: json` and the answer did not parse, or did not match `output_schema`. */
  AgentOutputInvalid: 'AgentOutputInvalid',
  /** The answer was cut off: Anthropic's `stop_reason` `max_tokens` or `model_context_window_exceeded`. */
  AgentOutputTruncated: 'AgentOutputTruncated',
  /** The model declined to answer: Anthropic's `stop_reason` `refusal`. */
  AgentRefused: 'AgentRefused',
  /** A spend, usage or billing limit stops the agent's account (402, a spend-limit 400 or 429). Never retried by default. */
  AgentUsageLimit: 'AgentUsageLimit',
  /** The agent's server refused the request itself (400, 404, 413, 422): sending it again changes nothing. Never retried by default. */
  AgentRequestInvalid: 'AgentRequestInvalid',
  /** 401: the agent's key or credentials are missing, wrong, revoked or expired. Never retried by default. */
  AgentUnauthorized: 'AgentUnauthorized',
  /** 403: the credentials are valid but may not use this model or resource. Never retried by default. */
  AgentForbidden: 'AgentForbidden',
  /** A step (or a whole agent session) ran past its `timeout`; the name Step Functions gives its own Task timeouts. */
  StepTimeout: 'States.Timeout',
  /** A person rejected an approval. Never retried by default. */
  ApprovalRejected: 'ApprovalRejected',
  /** A step's input (or a run's inputs) did not validate. Never retried by default. */
  InputInvalid: 'InputInvalid',
  /** `${{ secrets.X }}` named a secret that does not exist. */
  SecretNotFound: 'SecretNotFound',
  /** A function step's file or export could not be loaded. */
  FunctionNotFound: 'FunctionNotFound',
  /** The run was paused: the execution stops at this step boundary; `resume` continues it. */
  RunPaused: 'Baton.RunPaused',
  /** The run was cancelled. */
  RunCancelled: 'Baton.RunCancelled',
  /** A declared `outputs` expression failed (thrown by compiler/expr, kept as is). */
  ExpressionError: 'ExpressionError',
  // The store's refusals below surface at the API and CLI boundary, not in user steps.
  /** `createRun` with a run id that already exists (run ids are idempotency keys). */
  RunExists: 'Baton.RunExists',
  /** The run id names no run. */
  RunNotFound: 'Baton.RunNotFound',
  /** An optimistic update lost: the run's `version` changed since it was read. */
  VersionConflict: 'Baton.VersionConflict',
  /** Control (pause/cancel) asked of a run that has already finished. */
  RunFinished: 'Baton.RunFinished',
  /** A write would change a step checkpoint that already says `succeeded`. */
  StepAlreadySucceeded: 'Baton.StepAlreadySucceeded',
  /** A decision for an approval that no run has asked for (yet). */
  ApprovalNotFound: 'Baton.ApprovalNotFound',
  /** A second decision for the same approval: the first one stands. */
  ApprovalAlreadyDecided: 'Baton.ApprovalAlreadyDecided',
  /** A task token that is no longer open: already completed, timed out, or unknown. */
  TaskTokenClosed: 'Baton.TaskTokenClosed',
  /** A stored result's parts are missing or incomplete. */
  ResultMissing: 'Baton.ResultMissing',
} as const;

export type ErrorName = (typeof ErrorNames)[keyof typeof ErrorNames];

/** The errors that a retry policy never retries unless `retry.on` names them. */
export const NEVER_RETRIED_BY_DEFAULT: readonly string[] = [
  ErrorNames.ApprovalRejected,
  ErrorNames.InputInvalid,
  ErrorNames.RunPaused,
  ErrorNames.RunCancelled,
  ErrorNames.AgentUsageLimit,
  ErrorNames.AgentRequestInvalid,
  ErrorNames.AgentUnauthorized,
  ErrorNames.AgentForbidden,
];

/** Errors that stop the whole run rather than fail one step: no step catches them. */
export const RUN_CONTROL_ERRORS: readonly string[] = [ErrorNames.RunPaused, ErrorNames.RunCancelled];

/** The base of the runtime's errors: `name` is what ASL `ErrorEquals` sees. */
export class BatonError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

export class ThrottledError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.Throttled, message);
  }
}

export class ServerError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.ServerError, message);
  }
}

export class NetworkError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorNames.NetworkError, message, options);
  }
}

export class HttpError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.HttpError, message);
  }
}

export class AgentError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.AgentError, message);
  }
}

export class AgentOutputInvalidError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.AgentOutputInvalid, message);
  }
}

export class AgentOutputTruncatedError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.AgentOutputTruncated, message);
  }
}

export class AgentRefusedError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.AgentRefused, message);
  }
}

export class AgentUsageLimitError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.AgentUsageLimit, message);
  }
}

export class AgentRequestInvalidError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.AgentRequestInvalid, message);
  }
}

export class AgentUnauthorizedError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.AgentUnauthorized, message);
  }
}

export class AgentForbiddenError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.AgentForbidden, message);
  }
}

export class StepTimeoutError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.StepTimeout, message);
  }
}

export class ApprovalRejectedError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.ApprovalRejected, message);
  }
}

export class InputInvalidError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.InputInvalid, message);
  }
}

export class SecretNotFoundError extends BatonError {
  constructor(name: string) {
    super(ErrorNames.SecretNotFound, `secret ${name} is not set`);
  }
}

export class FunctionNotFoundError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.FunctionNotFound, message);
  }
}

export class RunPausedError extends BatonError {
  constructor(runId: string) {
    super(ErrorNames.RunPaused, `run ${runId} is paused`);
  }
}

export class RunCancelledError extends BatonError {
  constructor(runId: string) {
    super(ErrorNames.RunCancelled, `run ${runId} was cancelled`);
  }
}

export class RunExistsError extends BatonError {
  constructor(runId: string) {
    super(ErrorNames.RunExists, `run ${runId} already exists`);
  }
}

export class RunNotFoundError extends BatonError {
  constructor(runId: string) {
    super(ErrorNames.RunNotFound, `run ${runId} does not exist`);
  }
}

export class VersionConflictError extends BatonError {
  constructor(runId: string, expected: number) {
    super(ErrorNames.VersionConflict, `run ${runId} changed since version ${expected} was read`);
  }
}

export class RunFinishedError extends BatonError {
  constructor(runId: string, status: string) {
    super(ErrorNames.RunFinished, `run ${runId} has already finished (${status})`);
  }
}

export class StepAlreadySucceededError extends BatonError {
  constructor(runId: string, step: string) {
    super(ErrorNames.StepAlreadySucceeded, `step ${step} of run ${runId} has already succeeded`);
  }
}

export class ApprovalNotFoundError extends BatonError {
  constructor(runId: string, step: string) {
    super(ErrorNames.ApprovalNotFound, `run ${runId} is not waiting for an approval of step ${step}`);
  }
}

export class ApprovalAlreadyDecidedError extends BatonError {
  constructor(runId: string, step: string, decision: string) {
    super(ErrorNames.ApprovalAlreadyDecided, `step ${step} of run ${runId} was already decided: ${decision}`);
  }
}

export class TaskTokenClosedError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorNames.TaskTokenClosed, message, options);
  }
}

export class ResultMissingError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.ResultMissing, message);
  }
}
