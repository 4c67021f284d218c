import { Codes } from '../diagnostics.ts';
import { handlerRefs, needsOf } from '../model.ts';
import type { Rule } from './rule.ts';

/**
 * `needs`, `on_failure`, `on_timeout` and `compensate` name steps that exist; a
 * handler is only a handler. (Step ids themselves: step-ids.ts.) Lookups are of
 * own keys only: `needs: toString` names no step.
 */
export const referencesRule: Rule = ({ doc, model, report }) => {
  const ids = Object.keys(doc.steps);
  for (const [id, step] of Object.entries(doc.steps)) {
    const needs = needsOf(step);
    needs.forEach((need, index) => {
      const path = typeof step.needs === 'string' ? ['steps', id, 'needs'] : ['steps', id, 'needs', index];
      if (need === id) report(path, Codes.SelfReference, `step '${id}' needs itself`);
      else if (!Object.hasOwn(doc.steps, need)) report(path, Codes.UnknownStep, `step '${id}' needs '${need}', which is not a step${suggest(need, ids)}`);
      else if (model.steps.get(need)?.handler) {
        report(path, Codes.HandlerMisuse, `'${need}' is a handler (named in on_failure, on_timeout or compensate); it runs only when called, so no step can need it`);
      }
    });
    for (const { key, target } of handlerRefs(step)) {
      const path = ['steps', id, key];
      if (target === id) report(path, Codes.SelfReference, `step '${id}' names itself in '${key}'`);
      else if (!Object.hasOwn(doc.steps, target)) report(path, Codes.UnknownStep, `'${key}' of '${id}' names '${target}', which is not a step${suggest(target, ids)}`);
      else {
        const handler = model.steps.get(target)!;
        if (!handler.handler) {
          const why = handler.needs.length > 0 ? 'it has needs' : 'another step needs it';
          report(path, Codes.HandlerMisuse, `'${target}' is named in '${key}' of '${id}' but also runs in the main flow (${why}); a handler runs only when called`);
        } else if (handler.forEach !== undefined) {
          report(path, Codes.HandlerMisuse, `handler '${target}' cannot use for_each`);
        }
      }
    }
    if (model.steps.get(id)?.handler) {
      for (const { key } of handlerRefs(step)) {
        if (key === 'compensate') report(['steps', id, key], Codes.HandlerMisuse, `handler '${id}' cannot declare a compensation: it runs only when called`, 'key');
      }
    }
  }
};

/** `, did you mean 'x'?` for a near miss. */
export function suggest(name: string, candidates: string[]): string {
  let best: string | undefined;
  // A near miss: at most one edit per three characters, and never most of the name.
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance && distance < name.length) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? '' : `; did you mean '${best}'?`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
