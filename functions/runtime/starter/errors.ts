/**
 * The starter's refusals. They end at the API (a 4xx) or the CLI, never in a
 * state machine, so they are not part of the compiled contract's error names
 * (compiler/contract/errors.ts), except InputInvalid, which is the contract's.
 */
import { BatonError, ErrorNames } from '../errors.ts';

/** A start that would be wrong: every problem, one sentence each; nothing was started. */
export class StartInvalidError extends BatonError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(ErrorNames.InputInvalid, `the run was not started: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

export class WorkflowNotFoundError extends BatonError {
  constructor(name: string) {
    super('Baton.WorkflowNotFound', `no workflow named ${name} is deployed`);
  }
}

/** A run id reused for a different start (another workflow, other inputs): the key names the first one. */
export class RunIdTakenError extends BatonError {
  constructor(runId: string, why: string) {
    super(ErrorNames.RunExists, `run_id ${runId} already names a run ${why}; a run_id starts one run, pick another`);
  }
}

/** What was asked does not fit the run's status (resume a running run, pause a queued one). */
export class RunStateError extends BatonError {
  constructor(message: string) {
    super('Baton.RunState', message);
  }
}
