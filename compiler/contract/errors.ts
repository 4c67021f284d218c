/**
 * Every error name that crosses the seam between the compiled state machine and
 * the runtime. Step Functions matches `Retry`/`Catch` `ErrorEquals` against a
 * thrown error's `name`, and authors write these names in `retry.on`, so they are
 * part of the compiled contract: rename nothing. The runtime's error classes
 * (functions/runtime/errors.ts) take their names from here; the emitter writes
 * the retry lists below.
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
  /** A person rejected an approval. Never retried by default. */
  ApprovalRejected: 'ApprovalRejected',
  /** A step's input (or a run's inputs) did not validate. Never retried by default. */
  InputInvalid: 'InputInvalid',
  /** `${{ secrets.X }}` named a secret that does not exist. */
  SecretNotFound: 'SecretNotFound',
  /** A function step's file or export could not be loaded. */
  FunctionNotFound: 'FunctionNotFound',
  /** A `wait` step's computed `until` is not an RFC 3339 timestamp Step Functions can wait for. */
  TimestampInvalid: 'Baton.TimestampInvalid',
  /** A step (or a whole agent session) ran past its `timeout`: Step Functions' own name, kept by the runtime too. */
  StepTimeout: 'States.Timeout',
  /** The run was paused: the execution stops at this step boundary; `resume` continues it. */
  RunPaused: 'Baton.RunPaused',
  /** The run was cancelled. */
  RunCancelled: 'Baton.RunCancelled',
  /**
   * A dependency barrier released a step whose needs did not all end as its
   * condition wants: the state machine skips it (see docs/compiler.md).
   */
  NeedsNotMet: 'Baton.NeedsNotMet',
  /** A declared `outputs` expression failed (thrown by compiler/expr, kept as is). */
  ExpressionError: 'ExpressionError',
  // The store's refusals below surface at the API and CLI boundary, not in user steps.
  /** `runs.create` with a run id that already exists (run ids are idempotency keys). */
  RunExists: 'Baton.RunExists',
  /** The run id names no run. */
  RunNotFound: 'Baton.RunNotFound',
  /** An optimistic update lost: the run's `version` changed since it was read. */
  VersionConflict: 'Baton.VersionConflict',
  /** Control (pause/cancel) asked of a run that has already finished. */
  RunFinished: 'Baton.RunFinished',
  /** Another live process holds the run (its lease has not expired). */
  RunOwned: 'Baton.RunOwned',
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

/** The errors a retry policy leaves alone unless its `on` names them. */
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

/** AWS's advice for Lambda tasks, plus the throttling error CDK's default leaves out. */
export const LAMBDA_TRANSIENT_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
];

/**
 * What a Wait state's `Timestamp` accepts: RFC 3339 with an uppercase `T` and
 * `Z` (or a numeric offset), seconds required, fractions allowed.
 */
export function isWaitTimestamp(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}
