import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionInvocation } from '../../../functions/runtime/contract.ts';
import { invokeStep } from '../../../functions/runtime/invoke-step.ts';
import { newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

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

function step(outputs: Record<string, string>): FunctionInvocation {
  return { kind: 'function', workflow: 'wf', step: 'inspect', run: runContext(newRunId()), config: { file: 'x.ts', export: 'handler' }, input: {}, outputs };
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

    const response = await invokeStep(inv, harness.deps());

    expect(response).toStrictEqual({ outputs: { number: 7, first: 'a.ts', count: 2, label: 'PR #7: Fix', passed: true } });
    expect(await harness.store.getResult(inv.run.id, { step: 'inspect' })).toStrictEqual({ pr: { number: 7, title: 'Fix' }, files: ['a.ts', 'b.ts'], ok: true });
  });

  it('fails the step with ExpressionError when an expression does not evaluate', async () => {
    const inv = step({ broken: 'result.pr.number +' });

    await expect(invokeStep(inv, harness.deps())).rejects.toMatchObject({ name: 'ExpressionError' });
    expect((await harness.store.getStep(inv.run.id, { step: 'inspect' }))?.error?.name).toBe('ExpressionError');
  });
});
