import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateCondition } from '../../../compiler/expr/index.ts';
import { compileCase, runMachine } from './harness.ts';
import type { ExprCase } from './harness.ts';

/** Values of every JSON type, with the ones that trip typed comparisons (0, '', '1', null) likely. */
const value = fc.oneof(
  fc.constantFrom(0, 1, -1, 2.5, '', '0', '1', 'a', 'b', 'A', true, false, null, [], {}, [1], { a: 1 }),
  fc.integer({ min: -3, max: 3 }),
  fc.string({ maxLength: 3 }),
);
const operator = fc.constantFrom('==', '!=', '<', '<=', '>', '>=');
const literal = fc.constantFrom("'a'", "''", "'1'", '0', '1', '-1', '2.5', 'true', 'false', 'null');

/** The JavaScript answer and the state machine's answer, each as a value or 'error'. */
async function bothAnswers(c: ExprCase): Promise<{ js: unknown; asl: unknown }> {
  let js: unknown;
  try {
    js = evaluateCondition(c.if ?? '', c.data ?? {});
  } catch {
    js = 'error';
  }
  const compiled = compileCase(c);
  if (compiled.kind !== 'compiled') return { js, asl: 'not compiled' };
  if (compiled.constant !== undefined) return { js, asl: compiled.constant };
  const asl = await runMachine(compiled.definition as Record<string, unknown>, c).catch(() => 'error');
  return { js, asl };
}

describe('expressions: both backends agree on random values', () => {
  it('compares two paths of any JSON types', async () => {
    await fc.assert(
      fc.asyncProperty(operator, value, value, async (op, a, b) => {
        const { js, asl } = await bothAnswers({ if: `inputs.a ${op} inputs.b`, data: { inputs: { a, b } } });
        expect(asl).toStrictEqual(js);
      }),
      { numRuns: 300 },
    );
  });

  it('compares a path of any JSON type with a literal', async () => {
    await fc.assert(
      fc.asyncProperty(operator, value, literal, fc.boolean(), async (op, a, lit, flip) => {
        const text = flip ? `${lit} ${op} inputs.a` : `inputs.a ${op} ${lit}`;
        if (['<', '<=', '>', '>='].includes(op) && ['true', 'false', 'null'].includes(lit)) return; // BTN404
        const { js, asl } = await bothAnswers({ if: text, data: { inputs: { a } } });
        expect(asl).toStrictEqual(js);
      }),
      { numRuns: 300 },
    );
  });

  it('decides the truthiness of any JSON value, and of its negation', async () => {
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom('inputs.a', '!inputs.a', 'inputs.a && inputs.a', '!inputs.a || inputs.a == 0'), async (a, text) => {
        const { js, asl } = await bothAnswers({ if: text, data: { inputs: { a } } });
        expect(asl).toStrictEqual(js);
      }),
      { numRuns: 200 },
    );
  });
});
