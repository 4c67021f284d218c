import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/engine-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.clearCalls());

const probe = 'function: ../steps/probe.ts';

/** Milliseconds between the end of one attempt and the start of the next. */
function gaps(calls: Array<{ start: number; end?: number }>): number[] {
  return calls.slice(1).map((c, i) => c.start - calls[i].end!);
}

const until = async (done: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
};

describe('engine: retry', () => {
  it('counts the first try in max_attempts', async () => {
    const file = h.write('fail-max-attempts', `name: fail-max-attempts
steps:
  flaky: { ${probe}, with: { fail: true }, retry: { max_attempts: 3, interval: 1s, jitter: full } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(h.calls('flaky').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(result.steps.flaky).toMatchObject({ status: 'failed', attempts: 3 });
    expect(result.error).toMatchObject({ step: 'flaky', name: 'ProbeFailed' });
  });

  it('succeeds on the last allowed attempt, and max_attempts: 1 means no retry', async () => {
    const file = h.write('fail-last-attempt', `name: fail-last-attempt
steps:
  late: { ${probe}, with: { fail_attempts: 1 }, retry: { max_attempts: 2, interval: 1s, jitter: full } }
  once: { ${probe}, with: { fail_attempts: 1 }, retry: { max_attempts: 1 }, continue_on_error: true }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(result.steps.late).toMatchObject({ status: 'succeeded', attempts: 2, outputs: { attempt: 2 } });
    expect(h.calls('once')).toHaveLength(1);
    expect(result.steps.once).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('retries only the errors named in on; another error fails at once', async () => {
    const file = h.write('fail-retry-on', `name: fail-retry-on
steps:
  throttled: { ${probe}, with: { fail_attempts: 1, error: Throttled }, retry: { max_attempts: 3, interval: 1s, jitter: full, on: [Throttled] } }
  other: { ${probe}, with: { fail: true, error: Broken }, retry: { max_attempts: 3, interval: 1s, jitter: full, on: [Throttled] } }
`);
    const result = await h.run(file);
    expect(h.calls('throttled').map((c) => c.attempt)).toEqual([1, 2]);
    expect(result.steps.throttled.status).toBe('succeeded');
    expect(h.calls('other').map((c) => c.attempt)).toEqual([1]);
    expect(result.steps.other).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'other', name: 'Broken' });
  });

  it('waits interval, then interval × backoff, between attempts, capped at max_interval (jitter none)', async () => {
    const file = h.write('fail-backoff', `name: fail-backoff
steps:
  doubling: { ${probe}, with: { fail: true }, retry: { max_attempts: 3, interval: 1s, backoff: 2, jitter: none }, continue_on_error: true }
  capped: { ${probe}, with: { fail: true }, retry: { max_attempts: 3, interval: 1s, backoff: 3, max_interval: 1s, jitter: none }, continue_on_error: true }
`);
    await h.run(file);
    expect(h.calls('doubling')).toHaveLength(3);
    const [first, second] = gaps(h.calls('doubling'));
    expect(first).toBeGreaterThanOrEqual(950);
    expect(first).toBeLessThan(1800);
    expect(second).toBeGreaterThanOrEqual(1950);
    expect(second).toBeLessThan(3000);
    expect(h.calls('capped')).toHaveLength(3);
    const [cappedFirst, cappedSecond] = gaps(h.calls('capped'));
    expect(cappedFirst).toBeGreaterThanOrEqual(950);
    expect(cappedSecond).toBeGreaterThanOrEqual(950);
    expect(cappedSecond).toBeLessThan(1800); // 3 s without the cap
  });

  it('reads retry: 3 as three attempts in all', async () => {
    const file = h.write('fail-shorthand', `name: fail-shorthand
steps:
  a: { ${probe}, with: { fail_attempts: 2 }, retry: 3 }
  b: { ${probe}, with: { fail: true }, retry: 3 }
`);
    const result = await h.run(file);
    expect(result.steps.a).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(h.calls('b').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(result.steps.b).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('applies defaults.retry to steps without their own, and a step retry replaces it', async () => {
    const file = h.write('fail-defaults', `name: fail-defaults
defaults:
  retry: { max_attempts: 2, interval: 1s, jitter: full }
steps:
  inherits: { ${probe}, with: { fail: true }, continue_on_error: true }
  own: { ${probe}, with: { fail: true }, retry: 1, continue_on_error: true }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(h.calls('inherits').map((c) => c.attempt)).toEqual([1, 2]);
    expect(h.calls('own').map((c) => c.attempt)).toEqual([1]);
  });

  it('does not retry InputInvalid or ApprovalRejected by default, but does when on names them', async () => {
    const file = h.write('fail-never-retried', `name: fail-never-retried
defaults:
  retry: { max_attempts: 3, interval: 1s, jitter: full }
steps:
  invalid: { ${probe}, with: { fail: true, error: InputInvalid }, continue_on_error: true }
  rejected: { ${probe}, with: { fail: true, error: ApprovalRejected }, continue_on_error: true }
  named: { ${probe}, with: { fail_attempts: 1, error: InputInvalid }, retry: { max_attempts: 2, interval: 1s, jitter: full, on: [InputInvalid] } }
`);
    const result = await h.run(file);
    expect(h.calls('invalid')).toHaveLength(1);
    expect(h.calls('rejected')).toHaveLength(1);
    expect(result.steps.invalid).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'InputInvalid' } });
    expect(result.steps.rejected).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'ApprovalRejected' } });
    expect(h.calls('named').map((c) => c.attempt)).toEqual([1, 2]);
    expect(result.status).toBe('succeeded');
  });
});

describe('engine: timeout', () => {
  it('fails a step that runs past its timeout with States.Timeout, without waiting for it', async () => {
    const file = h.write('fail-timeout', `name: fail-timeout
steps:
  slow: { ${probe}, timeout: 1s, with: { sleep_ms: 3000 } }
  after: { ${probe}, needs: slow }
`);
    const started = Date.now();
    const result = await h.run(file);
    const elapsed = Date.now() - started;
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'slow', name: 'States.Timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2500);
    expect(h.calls('after')).toHaveLength(0);
  });

  it('records the timed-out step as failed, and its late return does not make it a success', async () => {
    const file = h.write('fail-timeout-record', `name: fail-timeout-record
steps:
  slow: { ${probe}, timeout: 1s, with: { sleep_ms: 1200 } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(result.steps.slow.status).toBe('failed');
    await until(() => h.calls('slow')[0]?.end !== undefined);
    await new Promise((r) => setTimeout(r, 100)); // the runtime's checkpoint write after the handler returns
    const later = await h.result(result.run_id);
    expect(later.steps.slow.status).toBe('failed');
    expect(later.status).toBe('failed');
  });
  it('retries a timed-out attempt as a new attempt; the run fails with States.Timeout when every attempt times out', async () => {
    const file = h.write('fail-timeout-retry', `name: fail-timeout-retry
steps:
  slow: { ${probe}, timeout: 1s, with: { sleep_ms: 1200 }, retry: { max_attempts: 2, interval: 1s, jitter: none } }
`);
    const result = await h.run(file);
    expect(h.calls('slow').map((c) => c.attempt)).toEqual([1, 2]);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'slow', name: 'States.Timeout' });
  });

  it('applies defaults.timeout to a step without its own', async () => {
    const file = h.write('fail-timeout-default', `name: fail-timeout-default
defaults:
  timeout: 1s
steps:
  slow: { ${probe}, with: { sleep_ms: 1500 } }
`);
    const started = Date.now();
    const result = await h.run(file);
    expect(result.error).toMatchObject({ step: 'slow', name: 'States.Timeout' });
    expect(Date.now() - started).toBeLessThan(1450);
  });
});

describe('engine: on_failure and on_timeout', () => {
  it('runs the on_failure handler with error.name and error.cause; the run still fails with the original error', async () => {
    const file = h.write('fail-on-failure', `name: fail-on-failure
steps:
  deploy: { ${probe}, with: { fail: true, error: Broken, message: boom }, on_failure: notify }
  after: { ${probe}, needs: deploy }
  notify: { ${probe}, with: { name: "\${{ error.name }}", cause: "\${{ error.cause }}", text: "failed: \${{ error.name }}" } }
`);
    const result = await h.run(file);
    const [call] = h.calls('notify');
    expect(call).toBeDefined();
    expect(call.input.name).toBe('Broken');
    expect(call.input.text).toBe('failed: Broken');
    expect(JSON.parse(call.input.cause as string)).toMatchObject({ errorType: 'Broken', errorMessage: 'boom' });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'deploy', name: 'Broken', cause: 'boom' });
    expect(result.steps.notify.status).toBe('succeeded');
    expect(h.calls('after')).toHaveLength(0);
  });

  it('fails the run with the original error when the on_failure handler fails too', async () => {
    const file = h.write('fail-handler-fails', `name: fail-handler-fails
steps:
  deploy: { ${probe}, with: { fail: true, error: Broken }, on_failure: notify }
  notify: { ${probe}, with: { fail: true, error: NotifyFailed } }
`);
    const result = await h.run(file);
    expect(h.calls('notify')).toHaveLength(1);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'deploy', name: 'Broken' });
  });

  it('does not run on_failure when the step succeeds', async () => {
    const file = h.write('fail-on-failure-ok', `name: fail-on-failure-ok
steps:
  deploy: { ${probe}, on_failure: notify }
  notify: { ${probe} }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(h.calls('notify')).toHaveLength(0);
  });

  it('runs on_timeout, not on_failure, for a timeout', async () => {
    const file = h.write('fail-on-timeout', `name: fail-on-timeout
steps:
  slow: { ${probe}, timeout: 1s, with: { sleep_ms: 2000 }, on_timeout: timed_out, on_failure: failed }
  timed_out: { ${probe}, with: { name: "\${{ error.name }}" } }
  failed: { ${probe} }
`);
    const result = await h.run(file);
    expect(h.calls('timed_out').map((c) => c.input.name)).toEqual(['States.Timeout']);
    expect(h.calls('failed')).toHaveLength(0);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'slow', name: 'States.Timeout' });
  });

  it('runs on_failure for a timeout when there is no on_timeout', async () => {
    const file = h.write('fail-timeout-on-failure', `name: fail-timeout-on-failure
steps:
  slow: { ${probe}, timeout: 1s, with: { sleep_ms: 1500 }, on_failure: failed }
  failed: { ${probe}, with: { name: "\${{ error.name }}" } }
`);
    const result = await h.run(file);
    expect(h.calls('failed').map((c) => c.input.name)).toEqual(['States.Timeout']);
    expect(result.error).toMatchObject({ step: 'slow', name: 'States.Timeout' });
  });

  it('runs on_timeout when an item of a for_each step times out', async () => {
    const file = h.write('fail-timeout-map', `name: fail-timeout-map
steps:
  fan: { ${probe}, for_each: [10, 1500], timeout: 1s, with: { sleep_ms: "\${{ item }}" }, on_timeout: timed_out }
  timed_out: { ${probe}, with: { name: "\${{ error.name }}" } }
`);
    const result = await h.run(file);
    expect(h.calls('timed_out').map((c) => c.input.name)).toEqual(['States.Timeout']);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'fan', name: 'States.Timeout' });
  });

  it('runs on_failure, not on_timeout, for any other error', async () => {
    const file = h.write('fail-on-timeout-other', `name: fail-on-timeout-other
steps:
  slow: { ${probe}, timeout: 5s, with: { fail: true, error: Broken }, on_timeout: timed_out, on_failure: failed }
  timed_out: { ${probe} }
  failed: { ${probe}, with: { name: "\${{ error.name }}" } }
`);
    const result = await h.run(file);
    expect(h.calls('timed_out')).toHaveLength(0);
    expect(h.calls('failed').map((c) => c.input.name)).toEqual(['Broken']);
    expect(result.error).toMatchObject({ step: 'slow', name: 'Broken' });
  });

  it('runs a handler shared by two steps once for each, with each caller’s error', async () => {
    const file = h.write('fail-shared-handler', `name: fail-shared-handler
steps:
  a: { ${probe}, with: { fail: true, error: ErrA }, on_failure: notify }
  b: { ${probe}, with: { fail: true, error: ErrB }, on_failure: notify }
  notify: { ${probe}, with: { name: "\${{ error.name }}" } }
`);
    const result = await h.run(file);
    const notified = h.calls().filter((c) => c.step.startsWith('notify'));
    expect(notified.map((c) => c.input.name).sort()).toEqual(['ErrA', 'ErrB']);
    expect(result.status).toBe('failed');
    expect(['ErrA', 'ErrB']).toContain(result.error?.name);
  });

  it('with continue_on_error, runs the handler and the dependents, and the run succeeds', async () => {
    const file = h.write('fail-coe-handler', `name: fail-coe-handler
steps:
  flaky: { ${probe}, with: { fail: true, error: Broken }, continue_on_error: true, on_failure: notify }
  next: { ${probe}, needs: flaky, with: { value: "\${{ steps.flaky.status }}" } }
  notify: { ${probe}, with: { name: "\${{ error.name }}" } }
`);
    const result = await h.run(file);
    expect(h.calls('notify').map((c) => c.input.name)).toEqual(['Broken']);
    expect(h.calls('next').map((c) => c.input.value)).toEqual(['failed']);
    expect(h.calls('next')[0].start).toBeGreaterThanOrEqual(h.calls('notify')[0].end!);
    expect(result.status).toBe('succeeded');
    expect(result.steps.flaky.status).toBe('failed');
  });
});

describe('engine: compensate', () => {
  it('runs the other compensations when one fails, and still fails with the original error', async () => {
    const file = h.write('fail-saga-undo-fails', `name: fail-saga-undo-fails
steps:
  a: { ${probe}, compensate: undo_a }
  b: { ${probe}, needs: a, compensate: undo_b }
  c: { ${probe}, needs: b, with: { fail: true, error: Broken } }
  undo_a: { ${probe} }
  undo_b: { ${probe}, with: { fail: true, error: UndoFailed } }
`);
    const result = await h.run(file);
    expect(h.calls('undo_b')).toHaveLength(1);
    expect(h.calls('undo_a')).toHaveLength(1);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'c', name: 'Broken' });
  });

  it('runs a compensation shared by two steps once for each', async () => {
    const file = h.write('fail-saga-shared', `name: fail-saga-shared
steps:
  a: { ${probe}, compensate: undo }
  b: { ${probe}, needs: a, compensate: undo }
  c: { ${probe}, needs: b, with: { fail: true } }
  undo: { ${probe} }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(h.calls().filter((c) => c.step.startsWith('undo'))).toHaveLength(2);
  });

  it('compensates succeeded steps newest first, then fails with the error of the step that failed', async () => {
    const file = h.write('fail-saga', `name: fail-saga
steps:
  a: { ${probe}, compensate: undo_a }
  b: { ${probe}, needs: a, compensate: undo_b }
  c: { ${probe}, needs: b, with: { fail: true, error: Broken, message: "c broke" } }
  undo_a: { ${probe} }
  undo_b: { ${probe} }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'c', name: 'Broken', cause: 'c broke' });
    const [undoA] = h.calls('undo_a');
    const [undoB] = h.calls('undo_b');
    expect(undoA).toBeDefined();
    expect(undoB).toBeDefined();
    expect(undoB.end!).toBeLessThanOrEqual(undoA.start);
    expect(undoB.start).toBeGreaterThanOrEqual(h.calls('c')[0].end!);
  });

  it('orders compensations by completion time, not by file order', async () => {
    const file = h.write('fail-saga-parallel', `name: fail-saga-parallel
steps:
  slow: { ${probe}, with: { sleep_ms: 200 }, compensate: undo_slow }
  fast: { ${probe}, with: { sleep_ms: 10 }, compensate: undo_fast }
  last: { ${probe}, needs: [slow, fast], with: { fail: true } }
  undo_slow: { ${probe} }
  undo_fast: { ${probe} }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    const [undoSlow] = h.calls('undo_slow');
    const [undoFast] = h.calls('undo_fast');
    expect(undoSlow.end!).toBeLessThanOrEqual(undoFast.start); // slow finished last, so it is undone first
  });

  it('compensates a step that succeeded after a sibling had already failed', async () => {
    const file = h.write('fail-saga-sibling', `name: fail-saga-sibling
steps:
  broken: { ${probe}, with: { fail: true, error: Broken } }
  slow: { ${probe}, with: { sleep_ms: 150 }, compensate: undo_slow }
  undo_slow: { ${probe} }
`);
    const result = await h.run(file);
    expect(result.error).toMatchObject({ step: 'broken', name: 'Broken' });
    expect(h.calls('undo_slow')).toHaveLength(1);
  });

  it('does not compensate a step that failed or was skipped', async () => {
    const file = h.write('fail-saga-partial', `name: fail-saga-partial
steps:
  a: { ${probe}, compensate: undo_a }
  b: { ${probe}, needs: a, compensate: undo_b, with: { fail: true } }
  c: { ${probe}, needs: b, compensate: undo_c }
  undo_a: { ${probe} }
  undo_b: { ${probe} }
  undo_c: { ${probe} }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(result.steps.c.status).toBe('skipped');
    expect(h.calls('undo_a')).toHaveLength(1);
    expect(h.calls('undo_b')).toHaveLength(0);
    expect(h.calls('undo_c')).toHaveLength(0);
  });

  it('does not compensate anything when the run succeeds', async () => {
    const file = h.write('fail-saga-ok', `name: fail-saga-ok
steps:
  a: { ${probe}, compensate: undo_a }
  undo_a: { ${probe} }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(h.calls('undo_a')).toHaveLength(0);
  });

  it('compensates a for_each step once, after a later step fails; the compensation sees its outputs', async () => {
    const file = h.write('fail-saga-map', `name: fail-saga-map
steps:
  fan: { ${probe}, for_each: [x, y, z], with: { value: "\${{ item }}" }, compensate: undo_fan }
  last: { ${probe}, needs: fan, with: { fail: true, error: Broken } }
  undo_fan: { ${probe}, with: { value: "\${{ steps.fan.outputs }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'last', name: 'Broken' });
    expect(h.calls('fan')).toHaveLength(3);
    const undo = h.calls('undo_fan');
    expect(undo).toHaveLength(1);
    expect((undo[0].input.value as Array<{ value: string }>).map((o) => o.value)).toEqual(['x', 'y', 'z']);
  });
});
