import { Codes } from '../diagnostics.ts';
import { parseDuration } from '../model.ts';
import type { RetryDoc } from '../schema.ts';
import type { Rule } from './rule.ts';

const HINT = 'write 90s, 15m, 2h, 1d or whole seconds (Step Functions counts seconds, so 500ms is not allowed)';

/** A Standard execution of Step Functions lasts at most a year: no timeout, wait or retry interval can be longer. */
export const MAX_DURATION_SECONDS = 365 * 86_400;

/** A function step runs in one Lambda invocation, which AWS stops after 15 minutes. */
export const MAX_FUNCTION_SECONDS = 900;

/**
 * Every duration parses to whole seconds, and none is longer than an execution
 * can last; a function step's timeout (its own or the defaults') is no longer
 * than its Lambda can run.
 */
export const durationsRule: Rule = ({ doc, report }) => {
  const check = (path: Array<string | number>, value: string | number | undefined) => {
    if (value === undefined) return;
    const seconds = parseDuration(value);
    if (seconds === undefined) report(path, Codes.InvalidDuration, `'${value}' is not a duration: ${HINT}`);
    else if (seconds > MAX_DURATION_SECONDS) {
      report(path, Codes.DurationTooLong, `${path.at(-1)} '${value}' is longer than a year (${MAX_DURATION_SECONDS} seconds), the longest a Standard execution of Step Functions lasts`);
    }
  };
  const checkRetry = (path: Array<string | number>, retry: RetryDoc | undefined) => {
    if (retry === undefined || typeof retry === 'number') return;
    check([...path, 'interval'], retry.interval);
    check([...path, 'max_interval'], retry.max_interval);
  };
  check(['defaults', 'timeout'], doc.defaults?.timeout);
  checkRetry(['defaults', 'retry'], doc.defaults?.retry);
  const defaultTimeout = parseDuration(doc.defaults?.timeout);
  for (const [id, step] of Object.entries(doc.steps)) {
    check(['steps', id, 'timeout'], step.timeout);
    if (step.function !== undefined) {
      const own = step.timeout === undefined ? undefined : parseDuration(step.timeout);
      const seconds = step.timeout === undefined ? defaultTimeout : own;
      // Past a year is BTN309 already.
      if (seconds !== undefined && seconds > MAX_FUNCTION_SECONDS && seconds <= MAX_DURATION_SECONDS) {
        const from = step.timeout === undefined ? `defaults.timeout '${doc.defaults!.timeout}'` : `timeout '${step.timeout}'`;
        report(step.timeout === undefined ? ['steps', id, 'function'] : ['steps', id, 'timeout'], Codes.FunctionTimeoutTooLong, `a function step runs in one Lambda invocation, which AWS stops after 15 minutes; its ${from} is longer: give it a timeout of 15m or less, or split the work into steps`);
      }
    }
    checkRetry(['steps', id, 'retry'], step.retry);
    check(['steps', id, 'approval', 'timeout'], step.approval?.timeout);
    if (step.wait !== undefined && typeof step.wait !== 'object') check(['steps', id, 'wait'], step.wait);
  }
};
