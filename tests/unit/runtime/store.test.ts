import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { CheckpointStore } from '../../../functions/runtime/store.ts';
import { startDynalite, type LocalDynamo } from '../../support/start-dynalite.ts';
import { newRunId } from '../../support/runtime-harness.ts';

let dynamo: LocalDynamo;
let store: CheckpointStore;
const clock = new Date('2026-11-01T10:00:00.000Z');

beforeAll(async () => {
  dynamo = await startDynalite();
  store = new CheckpointStore({ client: dynamo.doc, tableName: 'baton-store-test', now: () => clock });
  await store.createTableIfMissing();
});

afterAll(async () => {
  await dynamo.stop();
});

async function itemsOf(runId: string): Promise<Array<Record<string, unknown>>> {
  const result = await dynamo.doc.send(
    new QueryCommand({ TableName: 'baton-store-test', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `RUN#${runId}` } }),
  );
  return result.Items ?? [];
}

describe('store: table', () => {
  it('defines one pay-per-request table with pk/sk and the by-workflow index', () => {
    const definition = CheckpointStore.tableDefinition('t1');

    expect(definition.BillingMode).toBe('PAY_PER_REQUEST');
    expect(definition.KeySchema).toStrictEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(definition.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'by-workflow',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
    });
  });

  it('creates the table only once', async () => {
    await expect(store.createTableIfMissing()).resolves.toBeUndefined();
  });
});

describe('store: runs', () => {
  it('creates a run at version 1 and reads it back', async () => {
    const runId = newRunId();

    await store.createRun({ run_id: runId, workflow: 'deploy', inputs: { env: 'prod' }, trigger: { event: 'api' } });
    const run = await store.getRun(runId);

    expect(run).toStrictEqual({
      run_id: runId,
      workflow: 'deploy',
      status: 'running',
      inputs: { env: 'prod' },
      trigger: { event: 'api' },
      version: 1,
      started_at: clock.toISOString(),
    });
  });

  it('refuses a second run with the same id', async () => {
    const runId = newRunId();
    await store.createRun({ run_id: runId, workflow: 'deploy', inputs: {} });

    const second = store.createRun({ run_id: runId, workflow: 'other', inputs: { x: 1 } });

    await expect(second).rejects.toMatchObject({ name: ErrorNames.RunExists });
    expect((await store.getRun(runId))?.workflow).toBe('deploy');
  });

  it('bumps the version on every update and refuses a stale expected version', async () => {
    const runId = newRunId();
    await store.createRun({ run_id: runId, workflow: 'deploy', inputs: {} });

    const updated = await store.updateRun(runId, { execution_arn: 'arn:aws:states:us-east-1:1:execution:x:y' }, { expectedVersion: 1 });
    const stale = store.updateRun(runId, { status: 'failed' }, { expectedVersion: 1 });

    expect(updated.version).toBe(2);
    await expect(stale).rejects.toMatchObject({ name: ErrorNames.VersionConflict });
    expect((await store.getRun(runId))?.status).toBe('running');
  });

  it('says a run does not exist rather than that it conflicts', async () => {
    await expect(store.updateRun('no-such-run', { status: 'failed' })).rejects.toMatchObject({ name: ErrorNames.RunNotFound });
    await expect(store.updateRun('no-such-run', { status: 'failed' }, { expectedVersion: 3 })).rejects.toMatchObject({
      name: ErrorNames.RunNotFound,
    });
  });

  it('stores outputs and error, and removes them again with null', async () => {
    const runId = newRunId();
    await store.createRun({ run_id: runId, workflow: 'deploy', inputs: {} });

    const failed = await store.updateRun(runId, {
      status: 'failed',
      error: { step: 'merge', name: 'HttpError', cause: 'PUT … 409' },
      ended_at: clock.toISOString(),
      outputs: { url: 'x' },
    });
    const resumed = await store.updateRun(runId, { status: 'running', error: null, ended_at: null, outputs: null });

    expect(failed).toMatchObject({ status: 'failed', error: { step: 'merge', name: 'HttpError' }, outputs: { url: 'x' } });
    expect(resumed.error).toBeUndefined();
    expect(resumed.ended_at).toBeUndefined();
    expect(resumed.outputs).toBeUndefined();
  });

  it('gives every item of a finished run a TTL, and takes it away when the run starts again', async () => {
    const runId = newRunId();
    await store.createRun({ run_id: runId, workflow: 'deploy', inputs: {} });
    await store.beginAttempt(runId, { step: 'build' });

    const finished = await store.updateRun(runId, { status: 'succeeded' });
    const expiring = await itemsOf(runId);
    await store.updateRun(runId, { status: 'running' });
    const kept = await itemsOf(runId);

    const expected = Math.floor(clock.getTime() / 1000) + 30 * 24 * 3600;
    expect(finished.expires_at).toBe(expected);
    expect(expiring.map((item) => item.expires_at)).toStrictEqual([expected, expected]);
    expect(kept.map((item) => item.expires_at)).toStrictEqual([undefined, undefined]);
  });

  it('sets and clears the control flag, and refuses to pause a finished run', async () => {
    const runId = newRunId();
    const doneId = newRunId();
    await store.createRun({ run_id: runId, workflow: 'deploy', inputs: {} });
    await store.createRun({ run_id: doneId, workflow: 'deploy', inputs: {}, status: 'succeeded' });

    const paused = await store.requestControl(runId, 'pause');
    const cleared = await store.requestControl(runId, null);

    expect(paused.control).toBe('pause');
    expect(cleared.control).toBeUndefined();
    await expect(store.requestControl(doneId, 'cancel')).rejects.toMatchObject({ name: ErrorNames.RunFinished });
    await expect(store.requestControl('no-such-run', 'cancel')).rejects.toMatchObject({ name: ErrorNames.RunNotFound });
  });

  it('lists a workflow’s runs newest first, and all runs without a workflow', async () => {
    const workflow = `listing-${newRunId()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = newRunId();
      ids.push(id);
      await store.createRun({ run_id: id, workflow, inputs: {}, started_at: `2026-11-0${i + 1}T00:00:00.000Z` });
    }

    const byWorkflow = await store.listRuns({ workflow, limit: 2 });
    const all = await store.listRuns({ limit: 1000 });

    expect(byWorkflow.map((run) => run.run_id)).toStrictEqual([ids[2], ids[1]]);
    expect(all.map((run) => run.run_id)).toEqual(expect.arrayContaining(ids));
    expect(all.every((run, i) => i === 0 || all[i - 1].started_at >= run.started_at)).toBe(true);
  });
});

describe('store: step checkpoints', () => {
  it('counts attempts atomically, even when they start together', async () => {
    const runId = newRunId();

    const attempts = await Promise.all([1, 2, 3, 4, 5].map(() => store.beginAttempt(runId, { step: 'lint' })));
    const checkpoint = await store.getStep(runId, { step: 'lint' });

    expect([...attempts].sort()).toStrictEqual([1, 2, 3, 4, 5]);
    expect(checkpoint).toMatchObject({ status: 'running', attempts: 5, started_at: clock.toISOString() });
  });

  it('clears the previous attempt’s error when a new attempt starts', async () => {
    const runId = newRunId();
    await store.beginAttempt(runId, { step: 'test' });
    await store.failStep(runId, { step: 'test' }, { name: 'Throttled', message: '429' });

    const attempt = await store.beginAttempt(runId, { step: 'test' });
    const checkpoint = await store.getStep(runId, { step: 'test' });

    expect(attempt).toBe(2);
    expect(checkpoint?.status).toBe('running');
    expect(checkpoint?.error).toBeUndefined();
  });

  it('never reopens a succeeded step', async () => {
    const runId = newRunId();
    const key = { step: 'build' };
    await store.beginAttempt(runId, key);
    await store.succeedStep(runId, key, { result: { ok: true }, attempt: 1 });

    await expect(store.beginAttempt(runId, key)).rejects.toMatchObject({ name: ErrorNames.StepAlreadySucceeded });
    await expect(store.succeedStep(runId, key, { result: { ok: false }, attempt: 2 })).rejects.toMatchObject({
      name: ErrorNames.StepAlreadySucceeded,
    });
    expect(await store.failStep(runId, key, { name: 'Late', message: 'too late' })).toBe(false);
    expect(await store.setStepStatus(runId, key, 'skipped')).toBe(false);
    expect(await store.getStep(runId, key)).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { ok: true } });
  });

  it('keeps declared outputs apart from the full result', async () => {
    const runId = newRunId();
    const key = { step: 'analyze' };
    await store.beginAttempt(runId, key);

    await store.succeedStep(runId, key, { result: { summary: 's', tasks: [1, 2], raw: 'long' }, outputs: { summary: 's' }, attempt: 1 });

    expect((await store.getStep(runId, key))?.outputs).toStrictEqual({ summary: 's' });
    expect(await store.getOutputs(runId, key)).toStrictEqual({ summary: 's' });
    expect(await store.getResult(runId, key)).toStrictEqual({ summary: 's', tasks: [1, 2], raw: 'long' });
  });

  it('lists every checkpoint of a run, for_each elements in index order, without result parts', async () => {
    const runId = newRunId();
    await store.beginAttempt(runId, { step: 'build' });
    for (const index of [10, 2, 0]) {
      await store.beginAttempt(runId, { step: 'shard', index });
      await store.succeedStep(runId, { step: 'shard', index }, { result: 'x'.repeat(index === 2 ? 500_000 : 1), attempt: 1 });
    }
    await store.setStepStatus(runId, { step: 'approve' }, 'skipped');

    const steps = await store.listSteps(runId);

    expect(steps.map((s) => [s.step, s.index, s.status])).toStrictEqual([
      ['approve', undefined, 'skipped'],
      ['build', undefined, 'running'],
      ['shard', 0, 'succeeded'],
      ['shard', 2, 'succeeded'],
      ['shard', 10, 'succeeded'],
    ]);
  });

  it('only lets `waiting` follow a running attempt', async () => {
    const runId = newRunId();
    const key = { step: 'approve' };
    await store.beginAttempt(runId, key);
    await store.failStep(runId, key, { name: ErrorNames.ApprovalRejected, message: 'no' });

    expect(await store.setStepStatus(runId, key, 'waiting')).toBe(false);
    expect((await store.getStep(runId, key))?.status).toBe('failed');
  });
});

describe('store: large values', () => {
  it('splits a result over 400 KB into part items and reassembles it', async () => {
    const runId = newRunId();
    const key = { step: 'crawl' };
    // Multi-byte characters, so a part boundary falls inside a character.
    const result = { pages: Array.from({ length: 3000 }, (_, i) => ({ i, text: `é€😀 page ${i} `.repeat(20) })) };
    expect(Buffer.byteLength(JSON.stringify(result))).toBeGreaterThan(1_000_000);
    await store.beginAttempt(runId, key);

    await store.succeedStep(runId, key, { result, outputs: { count: 3000 }, attempt: 1 });
    const items = await itemsOf(runId);

    const parts = items.filter((item) => String(item.sk).startsWith('STEP#crawl#PART#'));
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const checkpoint = items.find((item) => item.sk === 'STEP#crawl');
    expect(checkpoint?.result_json).toBeUndefined();
    expect(await store.getResult(runId, key)).toStrictEqual(result);
    expect(await store.getOutputs(runId, key)).toStrictEqual({ count: 3000 });
  });

  it('stores large outputs that are the result itself once, and refers to them from the checkpoint', async () => {
    const runId = newRunId();
    const key = { step: 'dump', index: 4 };
    const result = { blob: 'z'.repeat(450_000) };
    await store.beginAttempt(runId, key);

    await store.succeedStep(runId, key, { result, attempt: 1 });

    const items = await itemsOf(runId);
    expect(items.filter((item) => String(item.sk).includes('#OUTPART#'))).toHaveLength(0);
    expect((await store.getStep(runId, key))?.outputs).toStrictEqual({ 'baton:ref': { run: runId, step: 'dump#4', bytes: 450_011 } });
    expect(await store.getOutputs(runId, key)).toStrictEqual(result);
  });

  it('replaces refs anywhere in a value by the outputs they stand for', async () => {
    const runId = newRunId();
    await store.beginAttempt(runId, { step: 'a' });
    await store.succeedStep(runId, { step: 'a' }, { result: { big: 'b'.repeat(400_000) }, attempt: 1 });
    const ref = (await store.getStep(runId, { step: 'a' }))?.outputs;

    const resolved = await store.resolveRefs({ keep: 1, nested: [ref, { again: ref }] });

    expect(resolved).toStrictEqual({ keep: 1, nested: [{ big: 'b'.repeat(400_000) }, { again: { big: 'b'.repeat(400_000) } }] });
  });

  it('fails clearly when a ref points at nothing', async () => {
    await expect(store.resolveRefs({ 'baton:ref': { run: 'gone', step: 'x', bytes: 1 } })).rejects.toMatchObject({
      name: ErrorNames.ResultMissing,
    });
  });
});

describe('store: approvals', () => {
  it('records a decision only once', async () => {
    const runId = newRunId();
    const key = { step: 'approve' };
    await store.putApproval(runId, key, { token: 't-1', message: 'Merge?' });

    const first = await store.decideApproval(runId, key, { decision: 'approve', decided_by: 'ana', comment: 'ok' });
    const second = store.decideApproval(runId, key, { decision: 'reject', decided_by: 'bob' });

    expect(first).toMatchObject({ token: 't-1', decision: 'approve', decided_by: 'ana', comment: 'ok' });
    await expect(second).rejects.toMatchObject({ name: ErrorNames.ApprovalAlreadyDecided });
    expect((await store.getApproval(runId, key))?.decided_by).toBe('ana');
  });

  it('refuses a decision nobody asked for', async () => {
    await expect(store.decideApproval(newRunId(), { step: 'approve' }, { decision: 'approve', decided_by: 'ana' })).rejects.toMatchObject({
      name: ErrorNames.ApprovalNotFound,
    });
  });

  it('keeps the decision when a re-invoked approval stores a new token', async () => {
    const runId = newRunId();
    const key = { step: 'approve' };
    await store.putApproval(runId, key, { token: 't-1', message: 'Merge?' });
    await store.decideApproval(runId, key, { decision: 'reject', decided_by: 'ana' });

    const again = await store.putApproval(runId, key, { token: 't-2', message: 'Merge?' });

    expect(again).toMatchObject({ token: 't-2', decision: 'reject', decided_by: 'ana' });
    expect(await store.listApprovals(runId)).toHaveLength(1);
  });
});

describe('store: task tokens and counters', () => {
  it('completes a token once and reports its outcome', async () => {
    await store.completeToken('tok-a', { status: 'success', output: { outputs: { n: 1 } } });
    await store.completeToken('tok-b', { status: 'failure', error: 'ApprovalRejected', cause: 'no' });

    expect(await store.getTokenOutcome('tok-a')).toStrictEqual({ status: 'success', output: { outputs: { n: 1 } } });
    expect(await store.getTokenOutcome('tok-b')).toStrictEqual({ status: 'failure', error: 'ApprovalRejected', cause: 'no' });
    expect(await store.getTokenOutcome('tok-c')).toBeUndefined();
    await expect(store.completeToken('tok-a', { status: 'success', output: null })).rejects.toMatchObject({
      name: ErrorNames.TaskTokenClosed,
    });
  });

  it('counts a barrier down from its initial value, whoever comes first', async () => {
    const key = { runId: newRunId(), name: 'deploy' };

    const first = await store.decrementCounter(key, 3);
    const registered = await store.setCounterToken(key, 'wait-token', 3);
    const rest = await Promise.all([store.decrementCounter(key, 3), store.decrementCounter(key, 3)]);

    expect(first).toStrictEqual({ remaining: 2 });
    expect(registered).toStrictEqual({ remaining: 2, token: 'wait-token' });
    expect(rest.map((state) => state.remaining).sort()).toStrictEqual([0, 1]);
    expect(rest.every((state) => state.token === 'wait-token')).toBe(true);
  });

  it('lets a waiter register before any decrement', async () => {
    const key = { runId: newRunId(), name: 'join' };

    const registered = await store.setCounterToken(key, 'tk', 1);
    const last = await store.decrementCounter(key, 1);

    expect(registered).toStrictEqual({ remaining: 1, token: 'tk' });
    expect(last).toStrictEqual({ remaining: 0, token: 'tk' });
  });
});

describe('store: run-scoped values', () => {
  it('stores a value under a run and reads it back', async () => {
    const runId = newRunId();

    await store.putValue(runId, 'WAIT#1#deploy', { state: { steps: {} }, ancestors: ['build'] });

    expect(await store.getValue(runId, 'WAIT#1#deploy')).toStrictEqual({ state: { steps: {} }, ancestors: ['build'] });
    expect(await store.getValue(runId, 'WAIT#1#other')).toBeUndefined();
    expect(await store.getValue(newRunId(), 'WAIT#1#deploy')).toBeUndefined();
  });
});
