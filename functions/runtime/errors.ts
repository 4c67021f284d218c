/**
 * The runtime's errors. Step Functions matches `Retry`/`Catch` `ErrorEquals`
 * against a thrown error's `name`, so every name comes from the contract
 * (compiler/contract/errors.ts), where the emitter reads them too.
 */

import { ErrorNames } from '../../compiler/contract/index.ts';
import type { RunOwner } from './store/records.ts';

export { ErrorNames, NEVER_RETRIED_BY_DEFAULT, RUN_CONTROL_ERRORS, type ErrorName } from '../../compiler/contract/index.ts';

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

export class RunOwnedError extends BatonError {
  readonly owner: RunOwner;
  constructor(runId: string, owner: RunOwner) {
    super(ErrorNames.RunOwned, `run ${runId} is being run by process ${owner.pid} on ${owner.host} (its lease was renewed at ${owner.heartbeat_at})`);
    this.owner = owner;
  }
}

export class NeedsNotMetError extends BatonError {
  constructor(step: string, needs: string[]) {
    super(ErrorNames.NeedsNotMet, `${step} does not run: ${needs.join(', ')} did not end as it needs`);
  }
}

export class StepTimeoutError extends BatonError {
  constructor(message: string) {
    super(ErrorNames.StepTimeout, message);
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
