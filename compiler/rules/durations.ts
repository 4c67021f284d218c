import { Codes } from '../diagnostics.ts';
import { parseDuration } from '../model.ts';
import type { RetryDoc } from '../schema.ts';
import type { Rule } from './rule.ts';

const HINT = 'write 90s, 15m, 2h, 1d or whole seconds (Step Functions counts seconds, so 500ms is not allowed)';

/** Every duration parses to whole seconds. */
export const durationsRule: Rule = ({ doc, report }) => {
  const check = (path: Array<string | number>, value: string | number | undefined) => {
    if (value !== undefined && parseDuration(value) === undefined) {
      report(path, Codes.InvalidDuration, `'${value}' is not a duration: ${HINT}`);
    }
  };
  const checkRetry = (path: Array<string | number>, retry: RetryDoc | undefined) => {
    if (retry === undefined || typeof retry === 'number') return;
    check([...path, 'interval'], retry.interval);
    check([...path, 'max_interval'], retry.max_interval);
  };
  check(['defaults', 'timeout'], doc.defaults?.timeout);
  checkRetry(['defaults', 'retry'], doc.defaults?.retry);
  for (const [id, step] of Object.entries(doc.steps)) {
    check(['steps', id, 'timeout'], step.timeout);
    checkRetry(['steps', id, 'retry'], step.retry);
    check(['steps', id, 'approval', 'timeout'], step.approval?.timeout);
    if (step.wait !== undefined && typeof step.wait !== 'object') check(['steps', id, 'wait'], step.wait);
  }
};
