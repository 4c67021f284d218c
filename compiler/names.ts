/**
 * Step Functions' rules for the names it is given: state names, and execution
 * names (a run id is its execution's name). Pure, so the CLI, the API and the
 * compiler's own rules say the same thing.
 */

/** The longest execution name (StartExecution `name`). */
export const MAX_EXECUTION_NAME = 80;
/** The longest state name. */
export const MAX_STATE_NAME = 80;

/**
 * What Step Functions refuses in a state or execution name (its API reference):
 * whitespace; `< > { } [ ]`; `? *`; `" # % \ ^ | ~ \` $ & , ; : /`; control
 * characters (U+0000-001F, U+007F-009F); U+FFFE, U+FFFF; lone surrogates.
 */
const REFUSED = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\x00-\x1F\x7F-\x9F\uFFFE\uFFFF]|\p{Cs}/gu;

/** The distinct characters of `name` that Step Functions refuses in a name, each described (`'/'`, `whitespace`, `U+0007`). */
export function refusedCharacters(name: string): string[] {
  const found = new Set<string>();
  for (const [char] of name.matchAll(REFUSED)) found.add(describeCharacter(char));
  return [...found];
}

/**
 * Why Step Functions would refuse `id` as an execution name: every problem, one
 * phrase each (empty when it would accept it). Length is counted in characters.
 */
export function executionNameProblems(id: string): string[] {
  const problems: string[] = [];
  const length = [...id].length;
  if (length === 0) problems.push('is empty');
  if (length > MAX_EXECUTION_NAME) problems.push(`is ${length} characters; at most ${MAX_EXECUTION_NAME}`);
  const refused = refusedCharacters(id);
  if (refused.length > 0) problems.push(`holds ${refused.join(', ')}, which Step Functions refuses in an execution name`);
  return problems;
}

/** `'/'`, `whitespace`, or `the control character U+0007`. */
export function describeCharacter(char: string): string {
  if (/\s/u.test(char)) return 'whitespace';
  const code = char.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `the control character ${hex}`;
  if ((code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff) return `the non-character ${hex}`;
  return `'${char}'`;
}
