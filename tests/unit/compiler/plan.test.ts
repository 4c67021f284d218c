import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../compiler/model.ts';
import { planWorkflow, type Block, type TreeNode } from '../../../compiler/plan.ts';
import { WorkflowSchema } from '../../../compiler/schema.ts';

function planOf(needs: Record<string, string[]>) {
  const doc = WorkflowSchema.parse({ name: 'p', steps: Object.fromEntries(Object.entries(needs).map(([id, n]) => [id, n.length > 0 ? { function: './x.ts', needs: n } : { function: './x.ts' }])) });
  return planWorkflow(buildModel(doc)).root;
}

const showNode = (n: TreeNode): string => (n.children.length === 0 ? n.id : n.children.length === 1 ? `${n.id}>${showNode(n.children[0])}` : `${n.id}>[${n.children.map(showNode).join(',')}]`);
const show = (b: Block | undefined): string =>
  b === undefined ? '' : b.kind === 'step' ? b.id : b.kind === 'tree' ? `tree(${b.roots.map(showNode).join(',')})` : `${b.kind}(${b.blocks.map(show).join(',')})`;

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
  it('runs the N shape as a tree along real edges: each step after one of its needs', () => {
    // d needs a and b: it follows b (a already has a child) and waits for a.
    expect(show(planOf({ a: [], b: [], c: ['a'], d: ['a', 'b'] }))).toBe('tree(a>c,b>d)');
  });
  it('keeps series parts around the tree', () => {
    expect(show(planOf({ s: [], a: ['s'], b: ['s'], c: ['a'], d: ['a', 'b'], e: ['c', 'd'] }))).toBe('series(s,tree(a>c,b>d),e)');
  });
  it('lets one of two single-need steps follow their need, the other wait on it', () => {
    // x and y need only a; d needs a and b.
    expect(show(planOf({ a: [], b: [], x: ['a'], y: ['a'], d: ['a', 'b'] }))).toBe('tree(a>x,b>d,y)');
  });
  it('forks three or more single-need steps after their need, so none of them waits', () => {
    expect(show(planOf({ a: [], b: [], x: ['a'], y: ['a'], z: ['a'], d: ['a', 'b'] }))).toBe('tree(a>[x,y,z],b>d)');
  });
});
