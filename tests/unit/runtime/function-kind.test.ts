import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { callStep, newRunId, runContext, startRuntimeHarness, type RuntimeHarness, type StepCall } from '../../support/runtime-harness.ts';

let harness: RuntimeHarness;

beforeAll(async () => {
  harness = await startRuntimeHarness();
});

afterAll(async () => {
  await harness.stop();
});

function call(runId: string, file: string, exportName: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}): StepCall {
  return { role: { kind: 'function', file }, event: { step: 'fn', run: runContext(runId), config: { export: exportName }, input, ...extra } };
}

describe('function steps', () => {
  it('runs a TypeScript handler with (input, ctx)', async () => {
    const runId = newRunId();

    const response = await callStep(call(runId, './greet.ts', 'handler', { name: 'ada' }), harness.deps());

    expect(response).toStrictEqual({
      status: 'succeeded',
      outputs: { greeting: 'hello ada', ctx: { run_id: runId, workflow: 'wf', step: 'fn', attempt: 1 } },
    });
  });

  it('calls the export named after `#`', async () => {
    const response = await callStep(call(newRunId(), 'greet.ts', 'shout', { name: 'ada' }), harness.deps());

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { greeting: 'HELLO ADA' } });
  });

  it('runs an .mjs handler and passes item and index under for_each', async () => {
    const runId = newRunId();

    const response = await callStep(call(runId, 'echo-input.mjs', 'handler', { a: 1 }, { item: { id: 'x' }, index: 3 }), harness.deps());

    expect(response.outputs).toStrictEqual({
      input: { a: 1 },
      ctx: { run_id: runId, workflow: 'wf', step: 'fn', attempt: 1, item: { id: 'x' }, index: 3 },
    });
  });

  it('keeps the name of the error a handler throws', async () => {
    const runId = newRunId();

    const failing = callStep(call(runId, 'deploy.mjs', 'handler', { service: 'api', blocked: true }), harness.deps());

    await expect(failing).rejects.toMatchObject({ name: 'DeployBlocked', message: 'deploy of api is blocked' });
    expect(await harness.store.steps.get(runId, { step: 'fn' })).toMatchObject({
      status: 'failed',
      error: { name: 'DeployBlocked', message: 'deploy of api is blocked' },
    });
  });

  it.each([
    ['a missing file', 'nope.ts', 'handler'],
    ['a missing export', 'deploy.mjs', 'rollback'],
    ['an export that is not a function', 'deploy.mjs', 'notAFunction'],
  ])('fails with FunctionNotFound for %s', async (_what, file, exportName) => {
    const runId = newRunId();

    await expect(callStep(call(runId, file, exportName, {}), harness.deps())).rejects.toMatchObject({ name: ErrorNames.FunctionNotFound });
    expect((await harness.store.steps.get(runId, { step: 'fn' }))?.error?.name).toBe(ErrorNames.FunctionNotFound);
  });
});
