import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRef } from '../../../compiler/contract/index.ts';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import type { FunctionLoader, StepFunction } from '../../../functions/runtime/function-loader.ts';
import { callStep, newRunId, runContext, startRuntimeHarness, type RuntimeHarness, type StepCall } from '../../support/runtime-harness.ts';

/** A loader of in-test handlers that counts calls: the user's code, not the runtime, is the stand-in here. */
class CountingLoader implements FunctionLoader {
  calls = 0;
  private readonly handlers: Record<string, StepFunction>;

  constructor(handlers: Record<string, StepFunction>) {
    this.handlers = handlers;
  }

  async load(file: string): Promise<StepFunction> {
    const fn = this.handlers[file];
    return async (input, ctx) => {
      this.calls++;
      return fn(input, ctx);
    };
  }
}

let harness: RuntimeHarness;

beforeAll(async () => {
  harness = await startRuntimeHarness();
});

afterAll(async () => {
  await harness.stop();
});

function fnStep(runId: string, step: string, file: string, input: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): StepCall {
  return { role: { kind: 'function', file }, event: { step, run: runContext(runId), input, ...extra } };
}

describe('invokeStep: checkpoints', () => {
  it('runs a step, stores its result and returns the whole result as outputs', async () => {
    const runId = newRunId();
    const loader = new CountingLoader({ 'sum.ts': (input) => ({ sum: Number(input.a) + Number(input.b) }) });

    const response = await callStep(fnStep(runId, 'add', 'sum.ts', { a: 2, b: 3 }), harness.deps({ functions: loader }));

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { sum: 5 } });
    expect(await harness.store.steps.get(runId, { step: 'add' })).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { sum: 5 } });
  });

  it('returns the stored outputs of a succeeded step without running it again', async () => {
    const runId = newRunId();
    let n = 0;
    const loader = new CountingLoader({ 'count.ts': () => ({ n: ++n }) });
    const deps = harness.deps({ functions: loader });

    const first = await callStep(fnStep(runId, 'count', 'count.ts'), deps);
    const again = await callStep(fnStep(runId, 'count', 'count.ts'), deps);

    expect(first).toStrictEqual({ status: 'succeeded', outputs: { n: 1 } });
    expect(again).toStrictEqual({ status: 'succeeded', outputs: { n: 1 } });
    expect(loader.calls).toBe(1);
    expect((await harness.store.steps.get(runId, { step: 'count' }))?.attempts).toBe(1);
  });

  it('lets the first of two racing invocations win, and both answer with its outputs', async () => {
    const runId = newRunId();
    let n = 0;
    const loader = new CountingLoader({
      'slow.ts': async () => {
        const mine = ++n;
        await new Promise((resolve) => setTimeout(resolve, mine === 1 ? 10 : 120));
        return { n: mine };
      },
    });
    const deps = harness.deps({ functions: loader });

    const [a, b] = await Promise.all([callStep(fnStep(runId, 'slow', 'slow.ts'), deps), callStep(fnStep(runId, 'slow', 'slow.ts'), deps)]);

    expect(loader.calls).toBe(2);
    expect(a).toStrictEqual({ status: 'succeeded', outputs: { n: 1 } });
    expect(b).toStrictEqual({ status: 'succeeded', outputs: { n: 1 } });
    expect(await harness.store.steps.getResult(runId, { step: 'slow' })).toStrictEqual({ n: 1 });
  });

  it('counts attempts across retries and stores the failure in between', async () => {
    const runId = newRunId();
    let n = 0;
    const loader = new CountingLoader({
      'flaky.ts': () => {
        if (++n < 3) throw Object.assign(new Error(`try ${n} failed`), { name: 'Flaky' });
        return { ok: true };
      },
    });
    const deps = harness.deps({ functions: loader });
    const inv = fnStep(runId, 'flaky', 'flaky.ts');

    await expect(callStep(inv, deps)).rejects.toMatchObject({ name: 'Flaky', message: 'try 1 failed' });
    await expect(callStep(inv, deps)).rejects.toMatchObject({ name: 'Flaky' });
    const failed = await harness.store.steps.get(runId, { step: 'flaky' });
    const response = await callStep(inv, deps);

    expect(failed).toMatchObject({ status: 'failed', attempts: 2, error: { name: 'Flaky', message: 'try 2 failed' } });
    expect(response).toStrictEqual({ status: 'succeeded', outputs: { ok: true } });
    expect(await harness.store.steps.get(runId, { step: 'flaky' })).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect((await harness.store.steps.get(runId, { step: 'flaky' }))?.error).toBeUndefined();
  });

  it('keeps one checkpoint per for_each element', async () => {
    const runId = newRunId();
    const loader = new CountingLoader({ 'double.ts': (_input, ctx) => ({ doubled: Number(ctx.item) * 2 }) });
    const deps = harness.deps({ functions: loader });

    const responses = await Promise.all(
      [5, 6, 7].map((item, index) => callStep(fnStep(runId, 'double', 'double.ts', {}, { item, index }), deps)),
    );

    expect(responses.map((r) => r.outputs)).toStrictEqual([{ doubled: 10 }, { doubled: 12 }, { doubled: 14 }]);
    expect((await harness.store.steps.list(runId)).map((s) => s.index)).toStrictEqual([0, 1, 2]);
  });
});

describe('invokeStep: declared outputs', () => {
  it('keeps only the listed fields, missing ones as null, and stores the full result', async () => {
    const runId = newRunId();
    const loader = new CountingLoader({ 'analyze.ts': () => ({ summary: 'fine', tasks: [{ title: 'a' }], debug: 'noise' }) });

    const response = await callStep(
      fnStep(runId, 'analyze', 'analyze.ts', {}, { outputs: ['summary', 'tasks', 'missing'] }),
      harness.deps({ functions: loader }),
    );

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { summary: 'fine', tasks: [{ title: 'a' }], missing: null } });
    expect(await harness.store.steps.getResult(runId, { step: 'analyze' })).toStrictEqual({ summary: 'fine', tasks: [{ title: 'a' }], debug: 'noise' });
  });
});

describe('invokeStep: large results', () => {
  it('stores a result over 400 KB in parts and returns small declared outputs inline', async () => {
    const runId = newRunId();
    const loader = new CountingLoader({ 'crawl.ts': () => ({ pages: 'p'.repeat(420_000), count: 1 }) });

    const response = await callStep(fnStep(runId, 'crawl', 'crawl.ts', {}, { outputs: ['count'] }), harness.deps({ functions: loader }));

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { count: 1 } });
    expect((await harness.store.steps.get(runId, { step: 'crawl' }))?.result_bytes).toBeGreaterThan(420_000);
    expect(await harness.store.steps.getResult(runId, { step: 'crawl' })).toStrictEqual({ pages: 'p'.repeat(420_000), count: 1 });
  });

  it('sends outputs over 256 KB as a ref, which a later step receives as the real value', async () => {
    const runId = newRunId();
    const big = { files: Array.from({ length: 3000 }, (_, i) => `src/file-${i}.ts:${'x'.repeat(100)}`) };
    const loader = new CountingLoader({ 'list.ts': () => big, 'use.ts': (input) => ({ got: (input.files as { files: string[] }).files.length }) });
    const deps = harness.deps({ functions: loader });

    const listed = await callStep(fnStep(runId, 'list', 'list.ts'), deps);
    const ref = listed.outputs as ResultRef;
    const used = await callStep(fnStep(runId, 'use', 'use.ts', { files: ref }), deps);

    expect(ref['baton:ref']).toStrictEqual({ run: runId, step: 'list', bytes: Buffer.byteLength(JSON.stringify(big)) });
    expect(ref['baton:ref'].bytes).toBeGreaterThan(256 * 1024);
    expect(used).toStrictEqual({ status: 'succeeded', outputs: { got: 3000 } });
  });

  it('sends a ref again when a step with large outputs is asked a second time', async () => {
    const runId = newRunId();
    const loader = new CountingLoader({ 'big.ts': () => ({ blob: 'b'.repeat(300_000) }) });
    const deps = harness.deps({ functions: loader });

    const first = await callStep(fnStep(runId, 'big', 'big.ts'), deps);
    const again = await callStep(fnStep(runId, 'big', 'big.ts'), deps);

    expect(again).toStrictEqual(first);
    expect(first.outputs).toHaveProperty('baton:ref');
  });

  it('keeps outputs under the limit inline', async () => {
    const runId = newRunId();
    const loader = new CountingLoader({ 'mid.ts': () => ({ blob: 'm'.repeat(150_000) }) });

    const response = await callStep(fnStep(runId, 'mid', 'mid.ts'), harness.deps({ functions: loader }));

    expect(response.outputs).toStrictEqual({ blob: 'm'.repeat(150_000) });
  });

  it('resolves a ref that arrives as a for_each item', async () => {
    const runId = newRunId();
    const loader = new CountingLoader({
      'make.ts': () => ({ text: 't'.repeat(260_000) }),
      'item.ts': (_input, ctx) => ({ length: (ctx.item as { text: string }).text.length }),
    });
    const deps = harness.deps({ functions: loader });
    const ref = (await callStep(fnStep(runId, 'make', 'make.ts'), deps)).outputs;

    const response = await callStep(fnStep(runId, 'each', 'item.ts', {}, { item: ref, index: 0 }), deps);

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { length: 260_000 } });
  });
});

describe('invokeStep: pause and cancel', () => {
  it('records a paused run and stops with Baton.RunPaused before running the step', async () => {
    const runId = newRunId();
    await harness.store.runs.create({ run_id: runId, workflow: 'wf', inputs: {} });
    await harness.store.runs.requestControl(runId, 'pause');
    const loader = new CountingLoader({ 'x.ts': () => ({}) });

    await expect(callStep(fnStep(runId, 'build', 'x.ts'), harness.deps({ functions: loader }))).rejects.toMatchObject({
      name: ErrorNames.RunPaused,
    });

    expect(loader.calls).toBe(0);
    expect((await harness.store.runs.get(runId))?.status).toBe('paused');
    // The attempt was started with the control check and given back: nothing counted.
    expect(await harness.store.steps.get(runId, { step: 'build' })).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('records a cancelled run and stops with Baton.RunCancelled', async () => {
    const runId = newRunId();
    await harness.store.runs.create({ run_id: runId, workflow: 'wf', inputs: {} });
    await harness.store.runs.requestControl(runId, 'cancel');
    const loader = new CountingLoader({ 'x.ts': () => ({}) });

    const settled = await Promise.allSettled([1, 2, 3].map((i) => callStep(fnStep(runId, `s${i}`, 'x.ts'), harness.deps({ functions: loader }))));

    expect(settled.map((s) => s.status === 'rejected' && (s.reason as Error).name)).toStrictEqual([
      ErrorNames.RunCancelled,
      ErrorNames.RunCancelled,
      ErrorNames.RunCancelled,
    ]);
    expect(loader.calls).toBe(0);
    expect(await harness.store.runs.get(runId)).toMatchObject({ status: 'cancelled', ended_at: expect.any(String) });
  });

  it('runs the step once the flag is cleared (resume)', async () => {
    const runId = newRunId();
    await harness.store.runs.create({ run_id: runId, workflow: 'wf', inputs: {} });
    await harness.store.runs.requestControl(runId, 'pause');
    const loader = new CountingLoader({ 'x.ts': () => ({ ran: true }) });
    const deps = harness.deps({ functions: loader });
    await expect(callStep(fnStep(runId, 'build', 'x.ts'), deps)).rejects.toMatchObject({ name: ErrorNames.RunPaused });

    await harness.store.runs.requestControl(runId, null);
    const response = await callStep(fnStep(runId, 'build', 'x.ts'), deps);

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { ran: true } });
  });
});
