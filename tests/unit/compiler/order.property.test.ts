import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/index.ts';
import { validateAsl, stepOrder } from '../../support/asl.ts';
import { ancestorsOf, dagWorkflow, randomDag, type RandomDag } from '../../../bench/random-workflow.ts';

function orderOf(dag: RandomDag) {
  const result = compile(dagWorkflow(dag));
  expect(result.diagnostics).toEqual([]);
  return { asl: result.asl as any, resources: result.resources!, order: stepOrder(result.asl as any, new Set(dag.ids)) };
}

const dags = fc
  .record({ n: fc.integer({ min: 1, max: 18 }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), maxNeeds: fc.integer({ min: 0, max: 4 }), window: fc.integer({ min: 1, max: 10 }) })
  .map(({ n, seed, maxNeeds, window }) => randomDag(n, seed, { maxNeeds, window }));

describe('compile: needs', () => {
  it('orders A before B exactly when A is an ancestor of B (random DAGs)', () => {
    fc.assert(
      fc.property(dags, (dag) => {
        const { order } = orderOf(dag);
        const ancestors = ancestorsOf(dag);
        for (const id of dag.ids) {
          expect([...order.get(id)!].sort(), `steps finished before ${id} starts`).toEqual([...ancestors.get(id)!].sort());
        }
      }),
      { numRuns: 500 },
    );
  });

  it('emits valid ASL for random DAGs', () => {
    fc.assert(
      fc.property(dags, (dag) => {
        const { asl, resources } = orderOf(dag);
        expect(validateAsl(asl, resources).errors).toBe('');
      }),
      { numRuns: 50 },
    );
  });

  it('starts a step as soon as its own needs finish in a graph that is not series-parallel', () => {
    // a → c, a → d, b → d: the "N" shape. c must not wait for b.
    const dag: RandomDag = { ids: ['a', 'b', 'c', 'd'], needs: [[], [], ['a'], ['a', 'b']] };
    const { asl, order } = orderOf(dag);
    expect([...order.get('c')!]).toEqual(['a']);
    expect([...order.get('d')!].sort()).toEqual(['a', 'b']);
    expect(JSON.stringify(asl)).toContain('"d.needs"');
  });

  it('uses plain Parallel states for a diamond', () => {
    const dag: RandomDag = { ids: ['a', 'b', 'c', 'd'], needs: [[], ['a'], ['a'], ['b', 'c']] };
    const { asl } = orderOf(dag);
    const text = JSON.stringify(asl);
    expect(text).not.toContain('.needs');
    expect(asl.States['b+c'].Type).toBe('Parallel');
    expect(asl.States['a'].Next).toBe('b+c');
    // Its exit checks that b and c ended well; then d runs at once, with no Choice of its own.
    expect(asl.States['b+c'].Next).toBe('b+c.check');
    expect(asl.States['b+c.check'].Choices[0].Next).toBe('d');
  });
});
