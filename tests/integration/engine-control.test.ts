import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/engine-harness.ts';
import { LocalEngine } from '../../cli/engine/engine.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.clearCalls());

const probe = 'function: ../steps/probe.ts';

async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let serial = 0;
const newRunId = (name: string) => `${name}-${Date.now().toString(36)}-${++serial}`;

const twoSteps = (name: string) => `name: ${name}
steps:
  first: { ${probe}, with: { sleep_ms: 500 } }
  second: { ${probe}, needs: first }
  third: { ${probe}, needs: second }
`;

describe('engine: pause', () => {
  it('lets the running step finish, then stops before the next one', async () => {
    const file = h.write('ctl-pause', twoSteps('ctl-pause'));
    const runId = newRunId('ctl-pause');
    const running = h.engine.run({ file, runId });
    await until(() => h.calls('first').length > 0);
    await h.store.runs.requestControl(runId, 'pause');
    const outcome = await running;

    expect(outcome.status).toBe('paused');
    const result = await h.result(runId);
    expect(result.status).toBe('paused');
    expect(h.calls('first')[0].end).toBeDefined();
    expect(result.steps.first.status).toBe('succeeded');
    expect(h.calls('second')).toHaveLength(0);
    expect(result.steps.second?.status ?? 'pending').toBe('pending');
  });

  it('resumes a paused run without running its finished steps again', async () => {
    const file = h.write('ctl-pause-resume', twoSteps('ctl-pause-resume'));
    const runId = newRunId('ctl-pause-resume');
    const running = h.engine.run({ file, runId });
    await until(() => h.calls('first').length > 0);
    await h.store.runs.requestControl(runId, 'pause');
    expect((await running).status).toBe('paused');

    const resumed = await h.engine.resume(runId);

    expect(resumed.status).toBe('succeeded');
    const result = await h.result(runId);
    expect(result.status).toBe('succeeded');
    expect(h.calls('first')).toHaveLength(1);
    expect(h.calls('second')).toHaveLength(1);
    expect(h.calls('third')).toHaveLength(1);
    expect(result.steps.first).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('waits for every step in flight before it stops', async () => {
    const file = h.write('ctl-pause-parallel', `name: ctl-pause-parallel
steps:
  long: { ${probe}, with: { sleep_ms: 400 } }
  short: { ${probe}, with: { sleep_ms: 100 } }
  after_short: { ${probe}, needs: short }
  join: { ${probe}, needs: [long, short] }
`);
    const runId = newRunId('ctl-pause-parallel');
    const running = h.engine.run({ file, runId });
    await until(() => h.calls('long').length > 0 && h.calls('short').length > 0);
    await h.store.runs.requestControl(runId, 'pause');
    expect((await running).status).toBe('paused');

    const result = await h.result(runId);
    expect(result.steps.long.status).toBe('succeeded');
    expect(result.steps.short.status).toBe('succeeded');
    expect(h.calls('after_short')).toHaveLength(0);
    expect(h.calls('join')).toHaveLength(0);

    expect((await h.engine.resume(runId)).status).toBe('succeeded');
    expect(h.calls().map((c) => c.step).sort()).toEqual(['after_short', 'join', 'long', 'short']);
  });

  it('pauses during the wait before a retry and resumes with the next attempt', async () => {
    const file = h.write('ctl-pause-retry', `name: ctl-pause-retry
steps:
  flaky: { ${probe}, with: { fail_attempts: 1 }, retry: { max_attempts: 3, interval: 1s, jitter: none } }
`);
    const runId = newRunId('ctl-pause-retry');
    const running = h.engine.run({ file, runId });
    await until(() => h.calls('flaky')[0]?.end !== undefined);
    await h.store.runs.requestControl(runId, 'pause');
    expect((await running).status).toBe('paused');
    expect(h.calls('flaky')).toHaveLength(1);

    expect((await h.engine.resume(runId)).status).toBe('succeeded');
    expect(h.calls('flaky').map((c) => c.attempt)).toEqual([1, 2]);
  });

  it('pauses and resumes a graph that is not series-parallel', async () => {
    // a → c, a → d, b → d: c and d wait on task-token barriers.
    const file = h.write('ctl-pause-barrier', `name: ctl-pause-barrier
steps:
  a: { ${probe}, with: { sleep_ms: 20 } }
  b: { ${probe}, with: { sleep_ms: 300 } }
  c: { ${probe}, needs: a }
  d: { ${probe}, needs: [a, b] }
`);
    const runId = newRunId('ctl-pause-barrier');
    const running = h.engine.run({ file, runId });
    await until(() => h.calls('b').length > 0);
    await h.store.runs.requestControl(runId, 'pause');
    expect((await running).status).toBe('paused');
    expect(h.calls('d')).toHaveLength(0);

    expect((await h.engine.resume(runId)).status).toBe('succeeded');
    for (const id of ['a', 'b', 'c', 'd']) expect(h.calls(id)).toHaveLength(1);
    expect(h.calls('d')[0].start).toBeGreaterThanOrEqual(h.calls('b')[0].end!);
  });

  it('pauses a for_each step between items and resumes only the items not done', async () => {
    const file = h.write('ctl-pause-map', `name: ctl-pause-map
steps:
  fan: { ${probe}, for_each: [0, 1, 2, 3], max_parallel: 1, with: { sleep_ms: 200, value: "\${{ item }}" } }
`);
    const runId = newRunId('ctl-pause-map');
    const running = h.engine.run({ file, runId });
    await until(() => h.calls('fan').length > 0);
    await h.store.runs.requestControl(runId, 'pause');
    expect((await running).status).toBe('paused');
    const before = h.calls('fan').length;
    expect(before).toBeLessThan(4);

    const resumed = await h.engine.resume(runId);

    expect(resumed.status).toBe('succeeded');
    const indexes = h.calls('fan').map((c) => c.index).sort();
    expect(indexes).toEqual([0, 1, 2, 3]); // each item once, over both executions
    const result = await h.result(runId);
    expect((result.steps.fan.outputs as Array<{ value: number }>).map((o) => o.value)).toEqual([0, 1, 2, 3]);
  });
});

describe('engine: cancel', () => {
  it('stops the run as cancelled; nothing after the running step starts', async () => {
    const file = h.write('ctl-cancel', twoSteps('ctl-cancel'));
    const runId = newRunId('ctl-cancel');
    const running = h.engine.run({ file, runId });
    await until(() => h.calls('first').length > 0);
    await h.store.runs.requestControl(runId, 'cancel');
    const outcome = await running;

    expect(outcome.status).toBe('cancelled');
    const result = await h.result(runId);
    expect(result.status).toBe('cancelled');
    expect(result.ended_at).toBeDefined();
    await new Promise((r) => setTimeout(r, 600)); // past the end of the step that was running
    expect(h.calls('second')).toHaveLength(0);
    expect((await h.result(runId)).status).toBe('cancelled');
  });

  it('resumes a cancelled run to completion', async () => {
    const file = h.write('ctl-cancel-resume', twoSteps('ctl-cancel-resume'));
    const runId = newRunId('ctl-cancel-resume');
    const running = h.engine.run({ file, runId });
    await until(() => h.calls('first').length > 0);
    await h.store.runs.requestControl(runId, 'cancel');
    expect((await running).status).toBe('cancelled');
    await until(() => h.calls('first')[0].end !== undefined);
    await new Promise((r) => setTimeout(r, 100)); // the runtime's checkpoint write after the handler returns

    const resumed = await h.engine.resume(runId);

    expect(resumed.status).toBe('succeeded');
    const result = await h.result(runId);
    expect(result.status).toBe('succeeded');
    expect(result.ended_at).toBeDefined();
    expect(h.calls('second')).toHaveLength(1);
    expect(h.calls('third')).toHaveLength(1);
  });
});

describe('engine: resume', () => {
  it('runs a failed step again as its next attempt, without re-running the steps that succeeded', async () => {
    const file = h.write('ctl-resume-failed', `name: ctl-resume-failed
steps:
  first: { ${probe}, with: { value: one } }
  flaky: { ${probe}, needs: first, with: { fail_attempts: 1, value: two } }
  last: { ${probe}, needs: flaky, with: { value: "\${{ steps.first.outputs.value }}+\${{ steps.flaky.outputs.value }}" } }
outputs:
  last: \${{ steps.last.outputs.value }}
`);
    const runId = newRunId('ctl-resume-failed');
    const failed = await h.run(file, {}, runId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ step: 'flaky', name: 'ProbeFailed' });
    expect(h.calls('last')).toHaveLength(0);

    const resumed = await h.engine.resume(runId);

    expect(resumed.status).toBe('succeeded');
    const result = await h.result(runId);
    expect(result.status).toBe('succeeded');
    expect(result.error).toBeUndefined();
    expect(h.calls('first')).toHaveLength(1);
    expect(h.calls('flaky').map((c) => c.attempt)).toEqual([1, 2]);
    expect(result.steps.flaky).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(h.calls('last').map((c) => c.input.value)).toEqual(['one+two']);
    expect(result.outputs).toEqual({ last: 'one+two' });
  });

  it('resumes a failed for_each step by running only the items that failed', async () => {
    const file = h.write('ctl-resume-map', `name: ctl-resume-map
steps:
  fan: { ${probe}, for_each: [0, 1, 0], with: { fail_attempts: "\${{ item }}", value: "\${{ index }}" } }
`);
    const runId = newRunId('ctl-resume-map');
    const failed = await h.run(file, {}, runId);
    expect(failed.status).toBe('failed');

    const resumed = await h.engine.resume(runId);

    expect(resumed.status).toBe('succeeded');
    const calls = h.calls('fan');
    expect(calls.filter((c) => c.index === 0)).toHaveLength(1);
    expect(calls.filter((c) => c.index === 2)).toHaveLength(1);
    expect(calls.filter((c) => c.index === 1).map((c) => c.attempt)).toEqual([1, 2]);
    const result = await h.result(runId);
    expect((result.steps.fan.outputs as Array<{ value: number }>).map((o) => o.value)).toEqual([0, 1, 2]);
  });

  it('runs the on_failure handler again when the resumed run fails again', async () => {
    const file = h.write('ctl-resume-handler', `name: ctl-resume-handler
steps:
  flaky: { ${probe}, with: { fail_attempts: 2 }, on_failure: notify }
  notify: { ${probe}, with: { value: "\${{ error.cause }}" } }
`);
    const runId = newRunId('ctl-resume-handler');
    expect((await h.run(file, {}, runId)).status).toBe('failed');
    expect(h.calls('notify')).toHaveLength(1);

    expect((await h.engine.resume(runId)).status).toBe('failed');

    expect(h.calls('flaky').map((c) => c.attempt)).toEqual([1, 2]);
    expect(h.calls('notify')).toHaveLength(2); // one notice per failure
    expect(h.calls('notify')[1].input.value).toContain('attempt 2');
  });

  it('runs a compensated step again on resume: its effect was undone', async () => {
    const file = h.write('ctl-resume-saga', `name: ctl-resume-saga
steps:
  create: { ${probe}, compensate: destroy }
  use: { ${probe}, needs: create, with: { fail_attempts: 1 } }
  destroy: { ${probe} }
`);
    const runId = newRunId('ctl-resume-saga');
    expect((await h.run(file, {}, runId)).status).toBe('failed');
    expect(h.calls('destroy')).toHaveLength(1);

    expect((await h.engine.resume(runId)).status).toBe('succeeded');

    expect(h.calls('create')).toHaveLength(2);
    expect(h.calls('create')[1].start).toBeGreaterThanOrEqual(h.calls('destroy')[0].end!);
    expect(h.calls('use').map((c) => c.attempt)).toEqual([1, 2]);
    expect(h.calls('use')[1].start).toBeGreaterThanOrEqual(h.calls('create')[1].end!);
  });

  it('compensates again when the resumed run fails again', async () => {
    const file = h.write('ctl-resume-saga-again', `name: ctl-resume-saga-again
steps:
  create: { ${probe}, compensate: destroy }
  use: { ${probe}, needs: create, with: { fail_attempts: 2 } }
  destroy: { ${probe} }
`);
    const runId = newRunId('ctl-resume-saga-again');
    expect((await h.run(file, {}, runId)).status).toBe('failed');

    expect((await h.engine.resume(runId)).status).toBe('failed');

    expect(h.calls('use')).toHaveLength(2);
    expect(h.calls('destroy')).toHaveLength(h.calls('create').length); // every creation is undone
    expect(h.calls('destroy')).toHaveLength(2);
  });

  it('refuses to resume a run that succeeded', async () => {
    const file = h.write('ctl-resume-done', `name: ctl-resume-done
steps:
  only: { ${probe} }
`);
    const runId = newRunId('ctl-resume-done');
    expect((await h.run(file, {}, runId)).status).toBe('succeeded');
    await expect(h.engine.resume(runId)).rejects.toThrow(/already succeeded/);
    expect(h.calls('only')).toHaveLength(1);
  });
});

describe('engine: interrupt (Ctrl-C) while a run is being set up', () => {
  it('stops the run before its first state, records it interrupted, and a resume runs it', async () => {
    const engine = new LocalEngine({ store: h.store, controlPollMs: 50 });
    const file = h.write('ctl-interrupt-early', twoSteps('ctl-interrupt-early'));
    const runId = newRunId('ctl-interrupt-early');
    // The interrupt lands while the run is still loading its definition and taking its lease.
    const running = engine.run({ file, runId });
    engine.interrupt();
    const outcome = await running;

    expect(outcome.status).toBe('interrupted');
    expect(h.calls()).toEqual([]);
    expect((await h.store.runs.get(runId))?.status).toBe('interrupted');

    const resumed = await h.engine.resume(runId);
    expect(resumed.status).toBe('succeeded');
    expect(h.calls().map((c) => c.step)).toEqual(['first', 'second', 'third']);
  });
});
