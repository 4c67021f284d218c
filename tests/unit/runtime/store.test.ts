import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { tableDefinition, CheckpointStore } from '../../../functions/runtime/store/index.ts';
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
    const definition = tableDefinition('t1');

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

    await store.runs.create({ run_id: runId, workflow: 'deploy', inputs: { env: 'prod' }, trigger: { event: 'api' } });
    const run = await store.runs.get(runId);

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
    await store.runs.create({ run_id: runId, workflow: 'deploy', inputs: {} });

    const second = store.runs.create({ run_id: runId, workflow: 'other', inputs: { x: 1 } });

    await expect(second).rejects.toMatchObject({ name: ErrorNames.RunExists });
    expect((await store.runs.get(runId))?.workflow).toBe('deploy');
  });

  it('bumps the version on every update and refuses a stale expected version', async () => {
    const runId = newRunId();
    await store.runs.create({ run_id: runId, workflow: 'deploy', inputs: {} });

    const updated = await store.runs.update(runId, { execution_arn: 'arn:aws:states:us-east-1:1:execution:x:y' }, { expectedVersion: 1 });
    const stale = store.runs.update(runId, { status: 'failed' }, { expectedVersion: 1 });

    expect(updated.version).toBe(2);
    await expect(stale).rejects.toMatchObject({ name: ErrorNames.VersionConflict });
    expect((await store.runs.get(runId))?.status).toBe('running');
  });

  it('says a run does not exist rather than that it conflicts', async () => {
    await expect(store.runs.update('no-such-run', { status: 'failed' })).rejects.toMatchObject({ name: ErrorNames.RunNotFound });
    await expect(store.runs.update('no-such-run', { status: 'failed' }, { expectedVersion: 3 })).rejects.toMatchObject({
      name: ErrorNames.RunNotFound,
    });
  });

  it('stores outputs and error, and removes them again with null', async () => {
    const runId = newRunId();
    await store.runs.create({ run_id: runId, workflow: 'deploy', inputs: {} });

    const failed = await store.runs.update(runId, {
      status: 'failed',
      error: { step: 'merge', name: 'HttpError', cause: 'PUT … 409' },
      ended_at: clock.toISOString(),
      outputs: { url: 'x' },
    });
    const resumed = await store.runs.update(runId, { status: 'running', error: null, ended_at: null, outputs: null });

    expect(failed).toMatchObject({ status: 'failed', error: { step: 'merge', name: 'HttpError' }, outputs: { url: 'x' } });
    expect(resumed.error).toBeUndefined();
    expect(resumed.ended_at).toBeUndefined();
    expect(resumed.outputs).toBeUndefined();
  });

  it('gives every item of a finished run a TTL, and takes it away when the run starts again', async () => {
    const runId = newRunId();
    await store.runs.create({ run_id: runId, workflow: 'deploy', inputs: {} });
    await store.steps.begin(runId, { step: 'build' });

    const finished = await store.runs.update(runId, { status: 'succeeded' });
    const expiring = await itemsOf(runId);
    await store.runs.update(runId, { status: 'running' });
    const kept = await itemsOf(runId);

    const expected = Math.floor(clock.getTime() / 1000) + 30 * 24 * 3600;
    expect(finished.expires_at).toBe(expected);
    expect(expiring.map((item) => item.expires_at)).toStrictEqual([expected, expected]);
    expect(kept.map((item) => item.expires_at)).toStrictEqual([undefined, undefined]);
  });

  it('sets and clears the control flag, and refuses to pause a finished run', async () => {
    const runId = newRunId();
    const doneId = newRunId();
    await store.runs.create({ run_id: runId, workflow: 'deploy', inputs: {} });
    await store.runs.create({ run_id: doneId, workflow: 'deploy', inputs: {}, status: 'succeeded' });

    const paused = await store.runs.requestControl(runId, 'pause');
    const cleared = await store.runs.requestControl(runId, null);

    expect(paused.control).toBe('pause');
    expect(cleared.control).toBeUndefined();
    await expect(store.runs.requestControl(doneId, 'cancel')).rejects.toMatchObject({ name: ErrorNames.RunFinished });
    await expect(store.runs.requestControl('no-such-run', 'cancel')).rejects.toMatchObject({ name: ErrorNames.RunNotFound });
  });

  it('lists a workflow’s runs newest first, and all runs without a workflow', async () => {
    const workflow = `listing-${newRunId()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = newRunId();
      ids.push(id);
      await store.runs.create({ run_id: id, workflow, inputs: {}, started_at: `2026-11-0${i + 1}T00:00:00.000Z` });
    }

    const byWorkflow = await store.runs.list({ workflow, limit: 2 });
    const all = await store.runs.list({ limit: 1000 });

    expect(byWorkflow.map((run) => run.run_id)).toStrictEqual([ids[2], ids[1]]);
    expect(all.map((run) => run.run_id)).toEqual(expect.arrayContaining(ids));
    expect(all.every((run, i) => i === 0 || all[i - 1].started_at >= run.started_at)).toBe(true);
  });
});

describe('store: step checkpoints', () => {
  it('counts attempts atomically, even when they start together', async () => {
    const runId = newRunId();

    const attempts = await Promise.all([1, 2, 3, 4, 5].map(() => store.steps.begin(runId, { step: 'lint' })));
    const checkpoint = await store.steps.get(runId, { step: 'lint' });

    expect([...attempts].sort()).toStrictEqual([1, 2, 3, 4, 5]);
    expect(checkpoint).toMatchObject({ status: 'running', attempts: 5, started_at: clock.toISOString() });
  });

  it('clears the previous attempt’s error when a new attempt starts', async () => {
    const runId = newRunId();
    await store.steps.begin(runId, { step: 'test' });
    await store.steps.fail(runId, { step: 'test' }, { name: 'Throttled', message: '429' });

    const attempt = await store.steps.begin(runId, { step: 'test' });
    const checkpoint = await store.steps.get(runId, { step: 'test' });

    expect(attempt).toBe(2);
    expect(checkpoint?.status).toBe('running');
    expect(checkpoint?.error).toBeUndefined();
  });

  it('never reopens a succeeded step', async () => {
    const runId = newRunId();
    const key = { step: 'build' };
    await store.steps.begin(runId, key);
    await store.steps.succeed(runId, key, { result: { ok: true }, attempt: 1 });

    await expect(store.steps.begin(runId, key)).rejects.toMatchObject({ name: ErrorNames.StepAlreadySucceeded });
    await expect(store.steps.succeed(runId, key, { result: { ok: false }, attempt: 2 })).rejects.toMatchObject({
      name: ErrorNames.StepAlreadySucceeded,
    });
    expect(await store.steps.fail(runId, key, { name: 'Late', message: 'too late' })).toBe(false);
    expect(await store.steps.setStatus(runId, key, 'skipped')).toBe(false);
    expect(await store.steps.get(runId, key)).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { ok: true } });
  });

  it('keeps declared outputs apart from the full result', async () => {
    const runId = newRunId();
    const key = { step: 'analyze' };
    await store.steps.begin(runId, key);

    await store.steps.succeed(runId, key, { result: { summary: 's', tasks: [1, 2], raw: 'long' }, outputs: { summary: 's' }, attempt: 1 });

    expect((await store.steps.get(runId, key))?.outputs).toStrictEqual({ summary: 's' });
    expect(await store.steps.getOutputs(runId, key)).toStrictEqual({ summary: 's' });
    expect(await store.steps.getResult(runId, key)).toStrictEqual({ summary: 's', tasks: [1, 2], raw: 'long' });
  });

  it('lists every checkpoint of a run, for_each elements in index order, without result parts', async () => {
    const runId = newRunId();
    await store.steps.begin(runId, { step: 'build' });
    for (const index of [10, 2, 0]) {
      await store.steps.begin(runId, { step: 'shard', index });
      await store.steps.succeed(runId, { step: 'shard', index }, { result: 'x'.repeat(index === 2 ? 500_000 : 1), attempt: 1 });
    }
    await store.steps.setStatus(runId, { step: 'approve' }, 'skipped');

    const steps = await store.steps.list(runId);

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
    await store.steps.begin(runId, key);
    await store.steps.fail(runId, key, { name: ErrorNames.ApprovalRejected, message: 'no' });

    expect(await store.steps.setStatus(runId, key, 'waiting')).toBe(false);
    expect((await store.steps.get(runId, key))?.status).toBe('failed');
  });
});

describe('store: large values', () => {
  it('splits a result over 400 KB into part items and reassembles it', async () => {
    const runId = newRunId();
    const key = { step: 'crawl' };
    // Multi-byte characters, so a part boundary falls inside a character.
    const result = { pages: Array.from({ length: 3000 }, (_, i) => ({ i, text: `é€😀 page ${i} `.repeat(20) })) };
    expect(Buffer.byteLength(JSON.stringify(result))).toBeGreaterThan(1_000_000);
    await store.steps.begin(runId, key);

    await store.steps.succeed(runId, key, { result, outputs: { count: 3000 }, attempt: 1 });
    const items = await itemsOf(runId);

    const parts = items.filter((item) => String(item.sk).startsWith('STEP#crawl#PART#'));
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const checkpoint = items.find((item) => item.sk === 'STEP#crawl');
    expect(checkpoint?.result_json).toBeUndefined();
    expect(await store.steps.getResult(runId, key)).toStrictEqual(result);
    expect(await store.steps.getOutputs(runId, key)).toStrictEqual({ count: 3000 });
  });

  it('stores large outputs that are the result itself once, and refers to them from the checkpoint', async () => {
    const runId = newRunId();
    const key = { step: 'dump', index: 4 };
    const result = { blob: 'z'.repeat(450_000) };
    await store.steps.begin(runId, key);

    await store.steps.succeed(runId, key, { result, attempt: 1 });

    const items = await itemsOf(runId);
    expect(items.filter((item) => String(item.sk).includes('#OUTPART#'))).toHaveLength(0);
    expect((await store.steps.get(runId, key))?.outputs).toStrictEqual({ 'baton:ref': { run: runId, step: 'dump#4', bytes: 450_011 } });
    expect(await store.steps.getOutputs(runId, key)).toStrictEqual(result);
  });

  it('replaces refs anywhere in a value by the outputs they stand for', async () => {
    const runId = newRunId();
    await store.steps.begin(runId, { step: 'a' });
    await store.steps.succeed(runId, { step: 'a' }, { result: { big: 'b'.repeat(400_000) }, attempt: 1 });
    const ref = (await store.steps.get(runId, { step: 'a' }))?.outputs;

    const resolved = await store.steps.resolveRefs({ keep: 1, nested: [ref, { again: ref }] });

    expect(resolved).toStrictEqual({ keep: 1, nested: [{ big: 'b'.repeat(400_000) }, { again: { big: 'b'.repeat(400_000) } }] });
  });

  it('fails clearly when a ref points at nothing', async () => {
    await expect(store.steps.resolveRefs({ 'baton:ref': { run: 'gone', step: 'x', bytes: 1 } })).rejects.toMatchObject({
      name: ErrorNames.ResultMissing,
    });
  });
});

describe('store: approvals', () => {
  it('records a decision only once', async () => {
    const runId = newRunId();
    const key = { step: 'approve' };
    await store.approvals.put(runId, key, { token: 't-1', message: 'Merge?' });

    const first = await store.approvals.decide(runId, key, { decision: 'approve', decided_by: 'ana', comment: 'ok' });
    const second = store.approvals.decide(runId, key, { decision: 'reject', decided_by: 'bob' });

    expect(first).toMatchObject({ token: 't-1', decision: 'approve', decided_by: 'ana', comment: 'ok' });
    await expect(second).rejects.toMatchObject({ name: ErrorNames.ApprovalAlreadyDecided });
    expect((await store.approvals.get(runId, key))?.decided_by).toBe('ana');
  });

  it('refuses a decision nobody asked for', async () => {
    await expect(store.approvals.decide(newRunId(), { step: 'approve' }, { decision: 'approve', decided_by: 'ana' })).rejects.toMatchObject({
      name: ErrorNames.ApprovalNotFound,
    });
  });

  it('keeps the decision when a re-invoked approval stores a new token', async () => {
    const runId = newRunId();
    const key = { step: 'approve' };
    await store.approvals.put(runId, key, { token: 't-1', message: 'Merge?' });
    await store.approvals.decide(runId, key, { decision: 'reject', decided_by: 'ana' });

    const again = await store.approvals.put(runId, key, { token: 't-2', message: 'Merge?' });

    expect(again).toMatchObject({ token: 't-2', decision: 'reject', decided_by: 'ana' });
    expect(await store.approvals.list(runId)).toHaveLength(1);
  });
});

describe('store: task tokens and counters', () => {
  it('completes a token once and reports its outcome', async () => {
    await store.tokens.complete('tok-a', { status: 'success', output: { outputs: { n: 1 } } });
    await store.tokens.complete('tok-b', { status: 'failure', error: 'ApprovalRejected', cause: 'no' });

    expect(await store.tokens.outcome('tok-a')).toStrictEqual({ status: 'success', output: { outputs: { n: 1 } } });
    expect(await store.tokens.outcome('tok-b')).toStrictEqual({ status: 'failure', error: 'ApprovalRejected', cause: 'no' });
    expect(await store.tokens.outcome('tok-c')).toBeUndefined();
    await expect(store.tokens.complete('tok-a', { status: 'success', output: null })).rejects.toMatchObject({
      name: ErrorNames.TaskTokenClosed,
    });
  });

  it('counts each need once, however often it is told, and answers what has ended with its views', async () => {
    const runId = newRunId();

    const first = await store.barriers.signal(runId, '1#deploy', 'build', { build: { status: 'succeeded' } });
    const again = await store.barriers.signal(runId, '1#deploy', 'build', { build: { status: 'succeeded' } });
    const registered = await store.barriers.register(runId, '1#deploy', { token: 'wait-token', needs: ['build', 'test'], state: { steps: {} } });
    const last = await store.barriers.signal(runId, '1#deploy', 'test', { test: { status: 'failed' } });

    expect(first).toStrictEqual({ ended: ['build'], views: { build: { build: { status: 'succeeded' } } } });
    expect(again).toBeUndefined();
    expect(registered).toMatchObject({ ended: ['build'], waiter: { token: 'wait-token', needs: ['build', 'test'] } });
    expect(last?.ended.sort()).toStrictEqual(['build', 'test']);
    expect(last?.views.test).toStrictEqual({ test: { status: 'failed' } });
  });

  it('keeps a view too large to share the item as a value beside it', async () => {
    const runId = newRunId();
    const big = { s: { status: 'succeeded', outputs: 'x'.repeat(100_000) } };

    await store.barriers.signal(runId, '1#join', 's', big);
    const registered = await store.barriers.register(runId, '1#join', { token: 'tk', needs: ['s'], state: { steps: {} } });

    expect(registered.views.s).toStrictEqual(big);
  });
});

describe('store: run-scoped values', () => {
  it('stores a value under a run and reads it back', async () => {
    const runId = newRunId();

    await store.values.put(runId, 'WAIT#1#deploy', { state: { steps: {} }, ancestors: ['build'] });

    expect(await store.values.get(runId, 'WAIT#1#deploy')).toStrictEqual({ state: { steps: {} }, ancestors: ['build'] });
    expect(await store.values.get(runId, 'WAIT#1#other')).toBeUndefined();
    expect(await store.values.get(newRunId(), 'WAIT#1#deploy')).toBeUndefined();
  });
});
