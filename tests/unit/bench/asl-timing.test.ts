import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/index.ts';
import { criticalPath, simulate } from '../../../bench/asl-timing.ts';
import { chainWorkflow, dagWorkflow, prng, randomDag } from '../../../bench/random-workflow.ts';

/** bench:compile and bench:makespan read their figures off this walk of the compiled success path. */
describe('bench: the success-path simulator', () => {
  it('walks a compiled chain once: one transition and one Lambda call per step, plus the run start and end', () => {
    const result = compile(chainWorkflow(20));
    const timing = simulate(result.asl as never, new Map(result.workflow!.regular.map((id) => [id, 1])));
    expect(timing.makespan).toBe(20);
    expect(timing.transitions).toBe(22);
    expect(timing.lambdaCalls).toBe(22);
  });

  it('ends every step of random DAGs at the critical path (run.check takes its success branch, not the redrive loop)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const dag = randomDag(25, seed, { maxNeeds: 3, window: 6 });
      const random = prng(seed);
      const durations = new Map(dag.ids.map((id) => [id, 1 + Math.floor(random() * 50)]));
      const result = compile(dagWorkflow(dag));
      const timing = simulate(result.asl as never, durations);
      expect(timing.ends.size, `seed ${seed}`).toBe(dag.ids.length);
      expect(timing.makespan, `seed ${seed}`).toBe(criticalPath(dag.ids, dag.needs, durations));
    }
  });

  it('refuses a success path that loops instead of walking it forever', () => {
    const looping = { StartAt: 'a', States: { a: { Type: 'Pass', Next: 'b' }, b: { Type: 'Pass', Next: 'a' } } };
    expect(() => simulate(looping, new Map())).toThrow(/comes back to a/);
  });
});
