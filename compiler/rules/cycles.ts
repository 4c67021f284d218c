import { Codes } from '../diagnostics.ts';
import type { Rule } from './rule.ts';

/** `needs` forms no cycle; a cycle is reported once, at its first step, with its path. */
export const cyclesRule: Rule = ({ model, report }) => {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string) => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const need of model.steps.get(id)?.needs ?? []) {
      if (!model.steps.has(need) || need === id) continue; // a self-need is BTN304's
      if (state.get(need) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(need)), need];
        const key = [...cycle].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          report(['steps', need, 'needs'], Codes.Cycle, `dependency cycle: ${cycle.reverse().join(' -> ')}`, 'key');
        }
      } else if (!state.has(need)) {
        visit(need);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of model.steps.keys()) if (!state.has(id)) visit(id);
};
