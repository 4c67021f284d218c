import { Codes } from '../diagnostics.ts';
import { checkInputValue } from '../inputs.ts';
import type { Rule } from './rule.ts';

/**
 * An input's `enum` values have its `type`, and its `default` has its type and is
 * one of its `enum`: checked with the very check a run's inputs go through, so a
 * default that passes here passes at run time.
 */
export const inputDefaultsRule: Rule = ({ doc, report }) => {
  for (const [name, input] of Object.entries(doc.inputs ?? {})) {
    (input.enum ?? []).forEach((value, index) => {
      const problem = checkInputValue({ type: input.type }, value);
      if (problem) report(['inputs', name, 'enum', index], Codes.InputDefault, `enum value of input '${name}' ${problem}`);
    });
    if (input.default === undefined) continue;
    const problem = checkInputValue(input, input.default);
    if (problem) report(['inputs', name, 'default'], Codes.InputDefault, `the default of input '${name}' ${problem}`);
  }
};
