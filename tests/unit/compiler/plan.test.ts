import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../compiler/model.ts';
import { planWorkflow, type Block } from '../../../compiler/plan.ts';
import { WorkflowSchema } from '../../../compiler/schema.ts';

function planOf(needs: Record<string, string[]>) {
  const doc = WorkflowSchema.parse({ name: 'p', steps: Object.fromEntries(Object.entries(needs).map(([id, n]) => [id, n.length > 0 ? { function: './x.ts', needs: n } : { function: './x.ts' }])) });
  return planWorkflow(buildModel(doc)).root;
}

const show = (b: Block | undefined): string =>
  b === undefined ? '' : b.kind === 'step' ? b.id : b.kind === 'chains' ? `chains(${b.chains.map((c) => c.join('>')).join(',')})` : `${b.kind}(${b.blocks.map(show).join(',')})`;

describe('plan: series-parallel decomposition', () => {
  it('keeps a chain in series', () => {
    expect(show(planOf({ a: [], b: ['a'], c: ['b'] }))).toBe('series(a,b,c)');
  });
  it('splits a diamond into series and parallel', () => {
    expect(show(planOf({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] }))).toBe('series(a,parallel(b,c),d)');
  });
  it('runs unrelated steps in parallel', () => {
    expect(show(planOf({ a: [], b: [], c: ['b'] }))).toBe('parallel(a,series(b,c))');
  });
  it('cuts the N shape into chains along real edges, as few as there can be', () => {
    expect(show(planOf({ a: [], b: [], c: ['a'], d: ['a', 'b'] }))).toBe('chains(a>c,b>d)');
  });
  it('keeps series parts around the chains', () => {
    expect(show(planOf({ s: [], a: ['s'], b: ['s'], c: ['a'], d: ['a', 'b'], e: ['c', 'd'] }))).toBe('series(s,chains(a>c,b>d),e)');
  });
  it('lets a step with one need here follow it on its chain, so it waits on no barrier', () => {
    // x needs only a; d needs a and b: x, not d, follows a.
    expect(show(planOf({ a: [], b: [], x: ['a'], d: ['a', 'b'], e: ['x', 'b'] }))).toBe('chains(a>x>e,b>d)');
  });
});
