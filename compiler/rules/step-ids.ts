import { Codes } from '../diagnostics.ts';
import { describeCharacter, MAX_STATE_NAME, refusedCharacters } from '../names.ts';
import { STEP_ID } from '../schema.ts';
import type { Rule } from './rule.ts';

/** The longest role the compiler appends to a step's own states (`<id>.timed-out`). */
const LONGEST_ROLE = '.timed-out';
const MAX_STEP_ID = 64;

/**
 * Step ids become state names, and the compiler adds helper states named
 * `<id>.<role>` and `a+b` (docs/compiler.md), so an id is held to the DSL's
 * `^[A-Za-z][A-Za-z0-9_-]{0,63}$`: nothing Step Functions refuses, no `.` or `+`
 * that would collide with helper names, and room for the longest role within 80
 * characters. `run` is taken by the run's own states (`run.start`, `run.failed`).
 * The emitter assumes all of this, so a bad id stops the compile before emitting.
 */
export const stepIdsRule: Rule = ({ doc, report }) => {
  for (const id of Object.keys(doc.steps)) {
    const problem = stepIdProblem(id);
    if (problem) report(['steps', id], Codes.InvalidStateName, `step id '${printable(id)}' ${problem}`, 'key');
  }
};

/** Why `id` cannot be a step id, or undefined when it can. */
export function stepIdProblem(id: string): string | undefined {
  if (STEP_ID.test(id)) return id === 'run' ? "is taken by the run's own states (run.start, run.failed, ...): rename the step" : undefined;
  if (id === '') return 'is empty';
  const refused = refusedCharacters(id);
  if (refused.length > 0) return `holds ${refused.join(', ')}, which Step Functions refuses in a state name`;
  if (!/^[A-Za-z]/.test(id)) return 'must start with a letter (A-Z or a-z)';
  const other = /[^A-Za-z0-9_-]/u.exec(id);
  if (other) return `holds ${describeCharacter(other[0])}: a step id is letters, digits, _ and - (the compiler names helper states <id>.<role> and a+b)`;
  return `is ${[...id].length} characters; at most ${MAX_STEP_ID}, so that its helper states (<id>${LONGEST_ROLE}) fit the ${MAX_STATE_NAME} characters of a state name`;
}

function printable(id: string): string {
  return id.replace(/[\x00-\x1F\x7F-\x9F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
