import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../compiler/model.ts';
import { planWorkflow, type Block } from '../../../compiler/plan.ts';
import { WorkflowSchema } from '../../../compiler/schema.ts';

function planOf(needs: Record<string, string[]>) {
  const doc = WorkflowSchema.parse({ name: 'p', steps: Object.fromEntries(Object.entries(needs).map(([id, n]) => [id, n.length > 0 ? { function: './x.ts', needs: n } : { function: './x.ts' }])) });
  return planWorkflow(buildModel(doc)).root;
}

const show = (b: Block | undefined): string =>
  b === undefined ? '' : b.kind === 'step' ? b.id : b.kind === 'barrier' ? `barrier(${b.steps.join(',')})` : `${b.kind}(${b.blocks.map(show).join(',')})`;

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
  it('puts the N shape behind a barrier', () => {
    expect(show(planOf({ a: [], b: [], c: ['a'], d: ['a', 'b'] }))).toBe('barrier(a,b,c,d)');
  });
  it('keeps series parts around a barrier', () => {
    expect(show(planOf({ s: [], a: ['s'], b: ['s'], c: ['a'], d: ['a', 'b'], e: ['c', 'd'] }))).toBe('series(s,barrier(a,b,c,d),e)');
  });
});
