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
} as const;

export type ErrorName = (typeof ErrorNames)[keyof typeof ErrorNames];

/** The errors that a retry policy never retries unless `retry.on` names them. */
export const NEVER_RETRIED_BY_DEFAULT: readonly string[] = [
  ErrorNames.ApprovalRejected,
  ErrorNames.InputInvalid,
  ErrorNames.RunPaused,
  ErrorNames.RunCancelled,
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
