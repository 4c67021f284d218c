import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStarter } from '../../functions/runtime/starter/starter.ts';
import type { ExecutionPort } from '../../functions/runtime/starter/executions.ts';
import { manifestOf, startApiHarness, type ApiHarness } from '../support/api-harness.ts';

const REVIEW = manifestOf(`
name: review
inputs:
  pr: { type: integer, required: true }
concurrency:
  group: pr-\${{ inputs.pr }}
  cancel_in_progress: true
steps:
  look:
    http: { url: "https://example.com/" }
`);

const DEPLOY = manifestOf(`
name: deploy
inputs:
  env: { type: string, default: prod }
  lane: { type: string, default: main }
concurrency:
  group: deploy-\${{ inputs.env }}-\${{ inputs.lane }}
steps:
  ship:
    http: { url: "https://example.com/" }
`);

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness([REVIEW, DEPLOY]);
});
afterAll(() => h.stop());

let count = 0;
const id = (label: string) => `${label}-${process.pid}-${++count}`;
const lane = () => `lane-${process.pid}-${++count}`;

describe('concurrency groups: cancel_in_progress', () => {
  it('stops the older run of the group and runs the newer one; other groups are left alone', async () => {
    const pr = 1000 + ++count;
    const older = await h.starter.start({ workflow: 'review', inputs: { pr }, run_id: id('older') });
    const other = await h.starter.start({ workflow: 'review', inputs: { pr: pr + 1 }, run_id: id('other') });
    expect(older.status).toBe('running');

    const newer = await h.starter.start({ workflow: 'review', inputs: { pr }, run_id: id('newer') });

    expect(newer.status).toBe('running');
    expect(h.sfn.starts(newer.run_id)).toHaveLength(1);
    const stops = h.sfn.stops();
    expect(stops).toContainEqual(expect.objectContaining({ executionArn: older.execution_arn, error: 'Baton.RunCancelled', cause: expect.stringContaining(newer.run_id) }));
    expect(stops.map((s) => s.executionArn)).not.toContain(other.execution_arn);
    expect((await h.runtime.store.groups.get(`pr-${pr}`))?.holder?.run_id).toBe(newer.run_id);

    // Step Functions reports the stop; the older run is recorded cancelled and the group stays the newer run's.
    await h.events(h.sfn.end(older.execution_arn, 'ABORTED'));
    expect(await h.runtime.store.runs.get(older.run_id)).toMatchObject({ status: 'cancelled' });
    expect((await h.runtime.store.groups.get(`pr-${pr}`))?.holder?.run_id).toBe(newer.run_id);
  });

  it('leaves one run of a group running when several newer runs arrive at once', async () => {
    const pr = 2000 + ++count;
    await h.starter.start({ workflow: 'review', inputs: { pr }, run_id: id('first') });
    const burst = await Promise.all(Array.from({ length: 5 }, (_, i) => h.starter.start({ workflow: 'review', inputs: { pr }, run_id: id(`burst${i}`) })));
    const holder = (await h.runtime.store.groups.get(`pr-${pr}`))!.holder!.run_id;
    // Every execution but the holder's is stopped (or never started), and each run says so or will.
    const executing = burst.filter((b) => h.sfn.executions.get(b.execution_arn)?.status === 'RUNNING');
    expect(executing.map((b) => b.run_id)).toEqual([holder]);
    for (const b of burst.filter((b) => b.run_id !== holder)) {
      const run = (await h.runtime.store.runs.get(b.run_id))!;
      expect(run.status === 'cancelled' || run.control === 'cancel').toBe(true);
    }
  });
});

describe('concurrency groups: a takeover during a start', () => {
  it('stops a run taken over while its execution was starting, though the stop came before the execution existed', async () => {
    const pr = 3000 + ++count;
    const port = h.starter.deps.executions;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow: ExecutionPort = {
      arnFor: (w, n, i) => port.arnFor(w, n, i),
      describe: (arn) => port.describe(arn),
      stop: (arn, e, c) => port.stop(arn, e, c),
      consoleUrl: (arn) => port.consoleUrl(arn),
      start: async (w, n, i) => {
        await gate;
        return port.start(w, n, i);
      },
    };
    const slowStarter = new RunStarter({ ...h.starter.deps, executions: slow });
    const starting = slowStarter.start({ workflow: 'review', inputs: { pr }, run_id: id('slow') });
    // Wait until the slow run holds the group and is marked running, its execution not yet started.
    let slowId: string | undefined;
    for (let i = 0; i < 100 && !slowId; i++) {
      slowId = (await h.runtime.store.groups.get(`pr-${pr}`))?.holder?.run_id;
      if (!slowId) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    for (let i = 0; i < 100 && (await h.runtime.store.runs.get(slowId!))?.status !== 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 5));

    const newer = await h.starter.start({ workflow: 'review', inputs: { pr }, run_id: id('newer') });
    open();
    const slowRun = await starting;

    expect(newer.status).toBe('running');
    expect(h.sfn.executions.get(slowRun.execution_arn)?.status).toBe('ABORTED');
  });
});

describe('concurrency groups: queued runs', () => {
  it('queues a newer run behind the running one and starts it when the events handler sees the older one end', async () => {
    const l = lane();
    const first = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('first') });
    const second = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('second') });

    expect(first.status).toBe('running');
    expect(second.status).toBe('pending');
    expect(h.sfn.starts(second.run_id)).toHaveLength(0);
    expect(await h.runtime.store.runs.get(second.run_id)).toMatchObject({ status: 'pending' });
    expect(await h.call('GET', `/runs/${second.run_id}`)).toMatchObject({ status: 200, body: { status: 'pending' } });

    // The first run ends as its definition ends it (run.succeeded), then Step Functions says so.
    await h.runtime.store.runs.update(first.run_id, { status: 'succeeded', ended_at: new Date().toISOString() });
    await h.events(h.sfn.end(first.execution_arn, 'SUCCEEDED'));

    expect(h.sfn.starts(second.run_id)).toHaveLength(1);
    expect(await h.runtime.store.runs.get(second.run_id)).toMatchObject({ status: 'running', execution_arn: second.execution_arn });
    expect((await h.runtime.store.groups.get(`deploy-prod-${l}`))?.holder?.run_id).toBe(second.run_id);

    await h.events(h.sfn.end(second.execution_arn, 'FAILED', { error: 'Boom', cause: 'no' }));
    expect(await h.runtime.store.groups.get(`deploy-prod-${l}`)).toBeUndefined();
  });

  it('keeps one pending run: a newer one replaces (cancels) the one waiting', async () => {
    const l = lane();
    const first = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('first') });
    const second = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('second') });
    const third = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('third') });

    expect(await h.runtime.store.runs.get(second.run_id)).toMatchObject({ status: 'cancelled' });
    expect(third.status).toBe('pending');
    await h.events(h.sfn.end(first.execution_arn, 'ABORTED'));
    expect(await h.runtime.store.runs.get(first.run_id)).toMatchObject({ status: 'cancelled' });
    expect(h.sfn.starts(second.run_id)).toHaveLength(0);
    expect(h.sfn.starts(third.run_id)).toHaveLength(1);
  });

  it('cancels a queued run through the API: it leaves the queue and never starts', async () => {
    const l = lane();
    const first = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('first') });
    const waiting = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('waiting') });
    expect(await h.call('POST', `/runs/${waiting.run_id}/pause`)).toMatchObject({ status: 409 });
    expect(await h.call('POST', `/runs/${waiting.run_id}/cancel`)).toMatchObject({ status: 202, body: { status: 'cancelled' } });
    expect((await h.runtime.store.groups.get(`deploy-prod-${l}`))?.pending).toBeUndefined();
    await h.events(h.sfn.end(first.execution_arn, 'TIMED_OUT'));
    expect(await h.runtime.store.runs.get(first.run_id)).toMatchObject({ status: 'timed_out', error: { name: 'States.Timeout' } });
    expect(h.sfn.starts(waiting.run_id)).toHaveLength(0);
    expect(await h.runtime.store.groups.get(`deploy-prod-${l}`)).toBeUndefined();
  });

  it('frees a group whose holder ended without releasing it', async () => {
    const l = lane();
    const first = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('first') });
    // Its end was recorded, but no event reached the events handler.
    await h.runtime.store.runs.update(first.run_id, { status: 'failed', ended_at: new Date().toISOString() });
    const next = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('next') });
    expect(next.status).toBe('running');
    expect(h.sfn.starts(next.run_id)).toHaveLength(1);
  });

  it('lets a retried run wait in its group too, and starts it as the attempt it is', async () => {
    const l = lane();
    const first = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('first') });
    await h.events(h.sfn.end(first.execution_arn, 'FAILED', { error: 'Boom', cause: 'x' }));
    const blocker = await h.starter.start({ workflow: 'deploy', inputs: { lane: l }, run_id: id('blocker') });
    const retried = await h.starter.relaunch(first.run_id, 'retry');
    expect(retried.status).toBe('pending');
    await h.events(h.sfn.end(blocker.execution_arn, 'ABORTED'));
    const [call] = h.sfn.starts(`${first.run_id}.r2`);
    expect(JSON.parse(call.args[0].input.input!).run.attempt).toBe(2);
  });
});
