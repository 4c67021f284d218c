import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventsHandler } from '../../functions/events/handler.ts';
import { createScheduleHandler } from '../../functions/schedule/handler.ts';
import { scheduledRunId } from '../../functions/runtime/starter/run-id.ts';
import { manifestOf, startApiHarness, type ApiHarness } from '../support/api-harness.ts';

const NIGHTLY = manifestOf(`
name: nightly
on:
  api: false
  schedule: ['cron(0 6 * * ? *)']
inputs:
  depth: { type: integer, default: 3 }
steps:
  build:
    http: { url: "https://example.com/" }
`);

const NEEDY = manifestOf(`
name: needy
on: { schedule: ['rate(1 hour)'] }
inputs:
  who: { type: string, required: true }
steps:
  one:
    http: { url: "https://example.com/" }
`);

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness([NIGHTLY, NEEDY]);
});
afterAll(() => h.stop());

let day = 0;
const time = () => `2026-11-${String(++day).padStart(2, '0')}T06:00:00Z`;

describe('schedules', () => {
  it('starts one run for the same scheduled time delivered twice, even at once', async () => {
    const schedule = createScheduleHandler({ starter: h.starter });
    const event = { workflow: 'nightly', schedule: 'cron(0 6 * * ? *)', scheduled_time: time() };
    const [a, b] = await Promise.all([schedule(event), schedule(event)]);
    const again = await schedule(event);
    expect(a).toMatchObject({ started: true });
    expect(a).toEqual(b);
    expect(again).toEqual(a);
    const runId = scheduledRunId('nightly', new Date(event.scheduled_time));
    expect(runId).toBe(`nightly-${event.scheduled_time.replace(/[-:]/g, '')}`);
    expect(h.sfn.starts(runId)).toHaveLength(1);
    const input = JSON.parse(h.sfn.starts(runId)[0].args[0].input.input!);
    expect(input).toMatchObject({ inputs: { depth: 3 }, trigger: { event: 'schedule', payload: { schedule: 'cron(0 6 * * ? *)', scheduled_time: event.scheduled_time } } });
  });

  it('starts a new run for the next scheduled time', async () => {
    const schedule = createScheduleHandler({ starter: h.starter });
    const first = await schedule({ workflow: 'nightly', schedule: 'cron(0 6 * * ? *)', scheduled_time: time() });
    const second = await schedule({ workflow: 'nightly', schedule: 'cron(0 6 * * ? *)', scheduled_time: time() });
    expect(first.started && second.started && first.run_id !== second.run_id).toBe(true);
  });

  it('keeps run ids valid execution names for the longest workflow names', () => {
    const id = scheduledRunId('w'.repeat(64), new Date('2026-11-01T06:00:00.000Z'));
    expect(id.length).toBeLessThanOrEqual(80);
    expect(id.endsWith('-20261101T060000Z')).toBe(true);
  });

  it('reports a start that can never work instead of throwing it back for retries', async () => {
    const schedule = createScheduleHandler({ starter: h.starter });
    expect(await schedule({ workflow: 'needy', schedule: 'rate(1 hour)', scheduled_time: time() })).toMatchObject({ started: false, problems: [expect.stringContaining("'who' is required")] });
    expect(await schedule({ workflow: 'gone', schedule: 'rate(1 hour)', scheduled_time: time() })).toMatchObject({ started: false });
    expect(await schedule({ workflow: 'nightly' })).toMatchObject({ started: false, problems: expect.arrayContaining([expect.stringContaining('scheduled_time')]) });
  });
});

describe('Step Functions execution events', () => {
  async function running() {
    const started = await createScheduleHandler({ starter: h.starter })({ workflow: 'nightly', schedule: 'cron(0 6 * * ? *)', scheduled_time: time() });
    if (!started.started) throw new Error('not started');
    await h.runtime.store.steps.begin(started.run_id, { step: 'build' });
    return started;
  }

  it('records a failure outside any step with the execution’s error and cause, settles its steps, and counts it', async () => {
    const failed: string[] = [];
    const events = createEventsHandler({ starter: h.starter, metrics: { runFailed: (w) => failed.push(w) } });
    const run = await running();
    const cause = JSON.stringify({ errorType: 'Error', errorMessage: 'the Lambda ran out of memory', trace: [] });
    expect(await events(h.sfn.end(run.execution_arn, 'FAILED', { error: 'Lambda.Unknown', cause }))).toMatchObject({ run_id: run.run_id, recorded: 'failed' });
    expect(await h.runtime.store.runs.get(run.run_id)).toMatchObject({ status: 'failed', error: { name: 'Lambda.Unknown', cause: 'the Lambda ran out of memory' } });
    expect(await h.runtime.store.steps.get(run.run_id, { step: 'build' })).toMatchObject({ status: 'failed', error: { name: 'Lambda.Unknown' } });
    expect(failed).toEqual(['nightly']);
  });

  it('records a timeout as timed_out', async () => {
    const run = await running();
    await h.events(h.sfn.end(run.execution_arn, 'TIMED_OUT'));
    expect(await h.runtime.store.runs.get(run.run_id)).toMatchObject({ status: 'timed_out', error: { name: 'States.Timeout' } });
    expect(await h.runtime.store.steps.get(run.run_id, { step: 'build' })).toMatchObject({ status: 'failed', error: { name: 'States.Timeout' } });
  });

  it('leaves a run its own run.failed recorded as it is', async () => {
    const run = await running();
    await h.runtime.store.runs.update(run.run_id, { status: 'failed', error: { step: 'build', name: 'HttpError', cause: '404' }, ended_at: new Date().toISOString() });
    expect(await h.events(h.sfn.end(run.execution_arn, 'FAILED', { error: 'HttpError', cause: 'whatever' }))).not.toHaveProperty('recorded');
    expect(await h.runtime.store.runs.get(run.run_id)).toMatchObject({ error: { step: 'build', name: 'HttpError', cause: '404' } });
  });

  it('records a pause as paused, with the steps that were running back to pending', async () => {
    const run = await running();
    await h.runtime.store.runs.requestControl(run.run_id, 'pause');
    await h.events(h.sfn.end(run.execution_arn, 'ABORTED'));
    expect(await h.runtime.store.runs.get(run.run_id)).toMatchObject({ status: 'paused' });
    expect(await h.runtime.store.steps.get(run.run_id, { step: 'build' })).toMatchObject({ status: 'pending' });
  });

  it('records a redriven execution of a cancelled run as running again; a plain RUNNING event changes nothing', async () => {
    const run = await running();
    await h.runtime.store.runs.requestControl(run.run_id, 'cancel');
    await h.events(h.sfn.end(run.execution_arn, 'ABORTED'));
    expect(await h.runtime.store.runs.get(run.run_id)).toMatchObject({ status: 'cancelled' });
    const started = { ...h.sfn.end(run.execution_arn, 'RUNNING') };
    expect(await h.events(started)).toMatchObject({ ignored: expect.any(String) });
    expect(await h.runtime.store.runs.get(run.run_id)).toMatchObject({ status: 'cancelled' });
    const redriven = { ...started, detail: { ...started.detail, redriveCount: 1 } };
    expect(await h.events(redriven)).toMatchObject({ run_id: run.run_id, recorded: 'running' });
    const record = await h.runtime.store.runs.get(run.run_id);
    expect(record).toMatchObject({ status: 'running' });
    expect(record?.ended_at).toBeUndefined();
  });

  it('ignores events that are not an execution status change, and executions of no Baton run', async () => {
    expect(await h.events({ source: 'aws.ec2', detail: {} })).toMatchObject({ ignored: expect.any(String) });
    const foreign = { source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:other:x', status: 'FAILED', input: '{}' } };
    expect(await h.events(foreign)).toMatchObject({ ignored: expect.any(String) });
  });
});
