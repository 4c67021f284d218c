/** An input as a workflow declares it (docs/language.md, "Inputs"). */
export interface InputSpec {
  type: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';
  required?: boolean;
  default?: unknown;
  enum?: unknown[];
  description?: string;
}

export interface InputCheck {
  /** The inputs with defaults applied; meaningful only when `problems` is empty. */
  inputs: Record<string, unknown>;
  /** Every problem, one sentence each, naming the input. */
  problems: string[];
}

/**
 * Checks a run's inputs against the workflow's declarations: types, `required`,
 * `enum`, no unknown names; applies defaults. The same check runs in `baton run`,
 * in the API (a 400 listing every problem) and at the start of every execution;
 * the compiler holds the one copy (pure, no I/O) so that it can also check each
 * input's own `default` and `enum` (rules/input-defaults.ts).
 */
export function checkInputs(spec: Record<string, InputSpec>, given: Record<string, unknown> | undefined | null): InputCheck {
  const problems: string[] = [];
  const inputs: Record<string, unknown> = {};
  const values = given ?? {};
  if (typeof values !== 'object' || Array.isArray(values)) {
    return { inputs, problems: ['inputs must be an object of name → value'] };
  }
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(spec, name)) problems.push(`unknown input '${name}'${Object.keys(spec).length > 0 ? ` (declared: ${Object.keys(spec).join(', ')})` : ' (the workflow declares no inputs)'}`);
  }
  for (const [name, input] of Object.entries(spec)) {
    let value = values[name];
    if (value === undefined || value === null) {
      if (input.default !== undefined) value = structuredClone(input.default);
      else if (input.required) {
        problems.push(`input '${name}' is required (${input.type})`);
        continue;
      } else continue;
    }
    const problem = checkInputValue(input, value);
    if (problem) {
      problems.push(`input '${name}' ${problem}`);
      continue;
    }
    inputs[name] = value;
  }
  return { inputs, problems };
}

/** What is wrong with one value of an input (its type, then its `enum`), as the end of a sentence; undefined when nothing is. */
export function checkInputValue(input: Pick<InputSpec, 'type' | 'enum'>, value: unknown): string | undefined {
  const typeProblem = checkType(value, input.type);
  if (typeProblem) return typeProblem;
  if (input.enum && !input.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    return `is ${JSON.stringify(value)}; expected one of ${input.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  return undefined;
}

function checkType(value: unknown, type: InputSpec['type']): string | undefined {
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : `must be an integer, not ${describe(value, actual)}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `must be a number, not ${describe(value, actual)}`;
    default:
      return actual === type ? undefined : `must be ${type === 'array' || type === 'object' ? 'an' : 'a'} ${type}, not ${describe(value, actual)}`;
  }
}

function describe(value: unknown, actual: string): string {
  if (value === null) return 'null';
  const text = JSON.stringify(value);
  return `${actual === 'object' || actual === 'array' ? `an ${actual}` : `the ${actual}`} ${text.length > 40 ? text.slice(0, 37) + '...' : text}`;
}
