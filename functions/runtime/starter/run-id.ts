/**
 * Run ids and the execution names made from them. A run id is the idempotency
 * key of a start and names the run's first Step Functions execution, so it has
 * to be a valid execution name: 1-80 characters, none of whitespace,
 * `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`, and no control characters.
 */
import { createHash, randomBytes } from 'node:crypto';

export const MAX_EXECUTION_NAME = 80;

const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/** Why `id` cannot be a run id (an execution name), one sentence each; empty when it can. */
export function runIdProblems(id: unknown, field = 'run_id'): string[] {
  if (typeof id !== 'string') return [`${field} must be a string`];
  const problems: string[] = [];
  const length = [...id].length;
  if (length < 1 || length > MAX_EXECUTION_NAME) problems.push(`${field} must be 1 to ${MAX_EXECUTION_NAME} characters long (it has ${length})`);
  const bad = [...new Set([...id].filter((c) => FORBIDDEN.test(c) || CONTROL.test(c)))];
  if (bad.length > 0) {
    const shown = bad.map((c) => (CONTROL.test(c) || /\s/u.test(c) ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`));
    problems.push(`${field} must not contain whitespace, control characters or any of < > { } [ ] ? * " # % \\ ^ | ~ \` $ & , ; : / (it has ${shown.join(', ')})`);
  }
  return problems;
}

/**
 * The name of a run's `attempt`-th execution: the run id itself first, then
 * `<run id>.r<attempt>` for each resume or retry (execution names stay taken for
 * 90 days, so every execution of a run needs its own). A run id too long for
 * the suffix is cut to make room.
 */
export function executionName(runId: string, attempt: number): string {
  if (attempt <= 1) return runId;
  const suffix = `.r${attempt}`;
  return [...runId].slice(0, MAX_EXECUTION_NAME - suffix.length).join('') + suffix;
}

/** A fresh run id for a start without one: `<workflow>-<time><random>`. */
export function newRunId(workflow: string): string {
  return `${workflow}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * The run id of a scheduled start: the workflow and the scheduled time
 * (`nightly-20261101T060000Z`), so EventBridge Scheduler delivering the same
 * invocation twice starts one run. Workflow names are at most 64 characters;
 * the part kept is cut to fit 80.
 */
export function scheduledRunId(workflow: string, scheduledTime: Date): string {
  const stamp = scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${workflow.slice(0, MAX_EXECUTION_NAME - stamp.length - 1)}-${stamp}`;
}

/** A concurrency group key short enough for a DynamoDB key, whatever the template rendered. */
export function boundedKey(key: string): string {
  if (key.length <= 512) return key;
  return `${key.slice(0, 480)}#${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
