import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/random-workflow.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

/**
 * Random workflows with random failures, timeouts, continue_on_error and status
 * functions, run on the real engine: when a run ends, every step has ended
 * (succeeded, failed or skipped) in the store and in the run result, and each
 * step's status and the run's are what the language says, computed here by a
 * small model of it (docs/language.md, "When a step fails").
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Behaviour = 'ok' | 'fail' | 'timeout';
interface Spec {
  id: string;
  needs: string[];
  behaviour: Behaviour;
  continueOnError: boolean;
  always: boolean;
}

function randomSpecs(seed: number): Spec[] {
  const random = prng(seed);
  const n = 2 + Math.floor(random() * 7);
  return Array.from({ length: n }, (_, i) => {
    const needs = i === 0 ? [] : [...new Set(Array.from({ length: Math.floor(random() * 3) }, () => `s${Math.floor(random() * i)}`))];
    const roll = random();
    const behaviour: Behaviour = roll < 0.25 ? 'fail' : roll < 0.37 ? 'timeout' : 'ok';
    return { id: `s${i}`, needs, behaviour, continueOnError: random() < 0.3, always: needs.length > 0 && random() < 0.12 };
  });
}

function workflow(name: string, specs: Spec[]): string {
  const lines = [`name: ${name}`, 'steps:'];
  for (const s of specs) {
    const input = s.behaviour === 'fail' ? '{ fail: true }' : s.behaviour === 'timeout' ? '{ sleep_ms: 1400 }' : '{ sleep_ms: 10 }';
    const keys = [
      'function: ../steps/probe.ts',
      `with: ${input}`,
      ...(s.needs.length > 0 ? [`needs: [${s.needs.join(', ')}]`] : []),
      ...(s.behaviour === 'timeout' ? ['timeout: 1'] : []),
      ...(s.continueOnError ? ['continue_on_error: true'] : []),
      ...(s.always ? ['if: "${{ always() }}"'] : []),
    ];
    lines.push(`  ${s.id}: { ${keys.join(', ')} }`);
  }
  return lines.join('\n') + '\n';
}

/** What the language says: a step runs when its needs ended well (or always()); the run fails when a step failed without continue_on_error. */
function expected(specs: Spec[]): { steps: Record<string, 'succeeded' | 'failed' | 'skipped'>; run: 'succeeded' | 'failed' } {
  const steps: Record<string, 'succeeded' | 'failed' | 'skipped'> = {};
  const byId = new Map(specs.map((s) => [s.id, s]));
  const ok = (id: string) => steps[id] === 'succeeded' || (steps[id] === 'failed' && byId.get(id)!.continueOnError);
  for (const s of specs) {
    const runs = s.always || s.needs.every(ok);
    steps[s.id] = !runs ? 'skipped' : s.behaviour === 'ok' ? 'succeeded' : 'failed';
  }
  const failed = specs.some((s) => steps[s.id] === 'failed' && !s.continueOnError);
  return { steps, run: failed ? 'failed' : 'succeeded' };
}

describe('engine: random workflows end with every step ended, as the language says', () => {
  it('agrees with the model of the language on every step and on the run (fast-check, 60 workflows)', async () => {
    const seeds = fc.sample(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { numRuns: 60, seed: 4242 });
    const outcomes = await Promise.all(
      seeds.map(async (seed) => {
        const specs = randomSpecs(seed);
        const file = h.write(`random-${seed}`, workflow(`random-${seed}`, specs));
        const outcome = await h.engine.run({ file });
        return { seed, specs, outcome, result: await h.result(outcome.runId), checkpoints: await h.store.steps.list(outcome.runId) };
      }),
    );
    for (const { seed, specs, outcome, result, checkpoints } of outcomes) {
      const want = expected(specs);
      const context = `seed ${seed}:\n${workflow('w', specs)}`;
      expect(outcome.status, context).toBe(want.run);
      expect(result.status, context).toBe(want.run);
      expect(Object.fromEntries(Object.entries(result.steps).map(([id, s]) => [id, s.status])), context).toEqual(want.steps);
      // The store says so too: no checkpoint is left running, waiting or pending.
      for (const c of checkpoints) expect(['succeeded', 'failed', 'skipped'], `${context}\n${c.step}: ${c.status}`).toContain(c.status);
    }
  }, 60_000);
});
