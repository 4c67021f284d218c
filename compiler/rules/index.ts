import { agentsRule } from './agents.ts';
import { cyclesRule } from './cycles.ts';
import { durationsRule } from './durations.ts';
import { expressionSizeRule } from './expression-size.ts';
import { inputDefaultsRule } from './input-defaults.ts';
import { limitsRule } from './limits.ts';
import { referencesRule } from './references.ts';
import type { Rule } from './rule.ts';
import { stepIdsRule } from './step-ids.ts';
import { stepKindRule } from './step-kind.ts';

/** The rules, in the order their diagnostics read best. */
export const rules: Rule[] = [stepIdsRule, stepKindRule, inputDefaultsRule, durationsRule, referencesRule, cyclesRule, agentsRule, limitsRule, expressionSizeRule];
