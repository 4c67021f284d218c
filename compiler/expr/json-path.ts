/**
 * JSONPath text for a context reference, in the subset every consumer of the
 * compiled ASL agrees on: AWS Step Functions' reference paths, asl-validator's
 * path grammar and the jsonpath-plus engine inside aws-local-stepfunctions.
 * Plain keys use dot form, others bracket form, indexes `[n]`.
 */

const DOT_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Characters a bracketed key must not contain: quotes and backslashes cannot
 * be escaped in a form all three consumers read, and jsonpath-plus gives the
 * others a meaning of its own (unions, filters, script expressions, wildcards).
 */
const UNSAFE_IN_BRACKETS = /['"\\[\](),*@^?:`\u0000-\u001f]/;

/** Why `key` cannot be written in a JSONPath, or undefined when it can. */
export function jsonPathKeyProblem(key: string | number): string | undefined {
  if (typeof key === 'number') {
    return Number.isInteger(key) && key >= 0 ? undefined : `index ${key} is not a whole number 0 or above`;
  }
  if (key === '') return 'an empty key cannot be written in a JSONPath';
  if (DOT_KEY.test(key)) return undefined;
  const bad = UNSAFE_IN_BRACKETS.exec(key);
  return bad ? `the key ${JSON.stringify(key)} holds ${JSON.stringify(bad[0])}, which a JSONPath in Step Functions cannot hold` : undefined;
}

/**
 * `toJsonPath('steps', ['deploy-prod', 'outputs', 0])` → `$.steps['deploy-prod'].outputs[0]`.
 * Throws for a key that `jsonPathKeyProblem` rejects: the expression compiler
 * checks keys first and reports them as BTN404, so a throw here is a bug.
 */
export function toJsonPath(root: string, path: Array<string | number>): string {
  let text = '$';
  for (const key of [root, ...path]) {
    const problem = jsonPathKeyProblem(key);
    if (problem) throw new Error(`toJsonPath: ${problem}`);
    if (typeof key === 'number') text += `[${key}]`;
    else if (DOT_KEY.test(key)) text += `.${key}`;
    else text += `['${key}']`;
  }
  return text;
}
