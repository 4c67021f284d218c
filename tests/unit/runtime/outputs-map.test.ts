import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

// Uses the compiler's expression evaluator (compiler/expr), loaded lazily by the runtime.

let harness: RuntimeHarness;

beforeAll(async () => {
  harness = await startRuntimeHarness({
    functions: { load: async () => () => ({ pr: { number: 7, title: 'Fix' }, files: ['a.ts', 'b.ts'], ok: true }) },
  });
});

afterAll(async () => {
  await harness.stop();
});

function step(outputs: Record<string, string>): StepCall & { run: { id: string } } {
  const run = runContext(newRunId());
  return { role: { kind: 'function', file: 'x.ts' }, event: { step: 'inspect', run, input: {}, outputs }, run };
}

describe('invokeStep: outputs as a map of expressions over result', () => {
  it('evaluates bare expressions, whole templates and interpolated strings', async () => {
    const inv = step({
      number: 'result.pr.number',
      first: '${{ result.files[0] }}',
      count: '${{ length(result.files) }}',
      label: 'PR #${{ result.pr.number }}: ${{ result.pr.title }}',
      passed: "${{ result.ok && contains(result.files, 'b.ts') }}",
    });

    const response = await callStep(inv, harness.deps());

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { number: 7, first: 'a.ts', count: 2, label: 'PR #7: Fix', passed: true } });
    expect(await harness.store.steps.getResult(inv.run.id, { step: 'inspect' })).toStrictEqual({ pr: { number: 7, title: 'Fix' }, files: ['a.ts', 'b.ts'], ok: true });
  });

  it('fails the step with ExpressionError when an expression does not evaluate', async () => {
    const inv = step({ broken: 'result.pr.number +' });

    await expect(callStep(inv, harness.deps())).rejects.toMatchObject({ name: 'ExpressionError' });
    expect((await harness.store.steps.get(inv.run.id, { step: 'inspect' }))?.error?.name).toBe('ExpressionError');
  });
});
