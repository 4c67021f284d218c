import { Codes } from '../diagnostics.ts';
import type { Rule } from './rule.ts';

/** Step Functions runs at most 40 iterations of an inline Map at once. */
export const MAX_INLINE_MAP_CONCURRENCY = 40;

/** Limits of Step Functions that a step's own keys can break. */
export const limitsRule: Rule = ({ doc, report }) => {
  for (const [id, step] of Object.entries(doc.steps)) {
    if (step.max_parallel !== undefined && step.max_parallel > MAX_INLINE_MAP_CONCURRENCY) {
      report(['steps', id, 'max_parallel'], Codes.MapConcurrencyLimit, `max_parallel ${step.max_parallel} is above ${MAX_INLINE_MAP_CONCURRENCY}, the most an inline Map runs at once`);
    }
  }
};
