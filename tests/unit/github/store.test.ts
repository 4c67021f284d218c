import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../../functions/runtime/store/index.ts';
import { startDynalite, type LocalDynamo } from '../../support/start-dynalite.ts';

let dynamo: LocalDynamo;
let store: CheckpointStore;
let clock = new Date('2026-11-01T10:00:00.000Z');

beforeAll(async () => {
  dynamo = await startDynalite();
  store = new CheckpointStore({ client: dynamo.doc, tableName: 'baton-github-store', now: () => clock });
  await store.createTableIfMissing();
});

afterAll(async () => {
  await dynamo.stop();
});

const later = (seconds: number) => new Date(clock.getTime() + seconds * 1000);

describe('store: deliveries', () => {
  it('claims a new delivery once; a second claim finds it busy, then done with its answer', async () => {
    const first = await store.deliveries.claim('d-1', 'push', 60);
    const second = await store.deliveries.claim('d-1', 'push', 60);

    expect(first).toMatchObject({ outcome: 'claimed', takenOver: false });
    expect(second).toMatchObject({ outcome: 'busy', record: { delivery_id: 'd-1', state: 'claimed' } });

    expect(await store.deliveries.complete('d-1', (first as { claim: string }).claim, { runs: ['r-1'], answer: { started: 1 } })).toBe(true);
    const third = await store.deliveries.claim('d-1', 'push', 60);
    expect(third).toMatchObject({ outcome: 'done', record: { state: 'done', runs: ['r-1'], answer: { started: 1 } } });
  });

  it('keeps a delivery for a week (TTL expires_at)', async () => {
    await store.deliveries.claim('d-ttl', 'push', 60);
    const item = await dynamo.doc.send(new GetCommand({ TableName: 'baton-github-store', Key: { pk: 'DELIVERY#d-ttl', sk: 'DELIVERY' } }));

    expect(item.Item?.expires_at).toBe(Math.floor(clock.getTime() / 1000) + 7 * 86400);
  });

  it('lets a claim older than the stale limit be taken over, and only the new holder complete it', async () => {
    const first = (await store.deliveries.claim('d-2', 'pull_request', 60)) as { claim: string };
    const saved = clock;
    clock = later(61);
    const takeover = await store.deliveries.claim('d-2', 'pull_request', 60);
    clock = saved;

    expect(takeover).toMatchObject({ outcome: 'claimed', takenOver: true });
    expect(await store.deliveries.complete('d-2', first.claim, { runs: [], answer: {} })).toBe(false);
    expect(await store.deliveries.complete('d-2', (takeover as { claim: string }).claim, { runs: ['r'], answer: {} })).toBe(true);
  });

  it('never takes over a finished delivery, however old', async () => {
    const first = (await store.deliveries.claim('d-3', 'push', 60)) as { claim: string };
    await store.deliveries.complete('d-3', first.claim, { runs: [], answer: { ok: true } });
    const saved = clock;
    clock = later(86400);
    const again = await store.deliveries.claim('d-3', 'push', 60);
    clock = saved;

    expect(again.outcome).toBe('done');
  });

  it('gives a released claim back at once, but not one another request holds', async () => {
    const first = (await store.deliveries.claim('d-4', 'push', 60)) as { claim: string };
    await store.deliveries.release('d-4', 'someone-else');
    expect((await store.deliveries.claim('d-4', 'push', 60)).outcome).toBe('busy');

    await store.deliveries.release('d-4', first.claim);
    expect((await store.deliveries.claim('d-4', 'push', 60)).outcome).toBe('claimed');
  });

  it('lets exactly one of 20 concurrent claims win', async () => {
    const claims = await Promise.all(Array.from({ length: 20 }, () => store.deliveries.claim('d-race', 'push', 60)));

    expect(claims.filter((c) => c.outcome === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.outcome === 'busy')).toHaveLength(19);
  });
});

describe('store: check runs', () => {
  it('links a run to its check run once; a second link answers the first', async () => {
    const first = await store.checkRuns.link({ run_id: 'run-c', owner: 'o', repo: 'r', head_sha: 'abc', check_run_id: 7, installation_id: 1, name: 'baton/x' });
    const second = await store.checkRuns.link({ run_id: 'run-c', owner: 'o', repo: 'r', head_sha: 'abc', check_run_id: 8, name: 'baton/x' });

    expect(first).toMatchObject({ first: true, link: { check_run_id: 7, installation_id: 1 } });
    expect(second).toMatchObject({ first: false, link: { check_run_id: 7 } });
    expect(await store.checkRuns.get('run-c')).toMatchObject({ check_run_id: 7, owner: 'o', repo: 'r', head_sha: 'abc' });
    expect(await store.checkRuns.get('run-none')).toBeUndefined();
  });

  it('is not a step: the run result does not list it', async () => {
    await store.runs.create({ run_id: 'run-c2', workflow: 'x', inputs: {} });
    await store.checkRuns.link({ run_id: 'run-c2', owner: 'o', repo: 'r', head_sha: 'abc', check_run_id: 9, name: 'baton/x' });

    expect(await store.steps.list('run-c2')).toStrictEqual([]);
  });
});

describe('store: pull request index', () => {
  it("lists a pull request's runs with one query, the owner's and repository's case aside", async () => {
    await store.pullRequests.addRun('Octo/Repo', 12, 'run-b', 'review');
    clock = later(1);
    await store.pullRequests.addRun('octo/repo', 12, 'run-a', 'deploy');
    await store.pullRequests.addRun('octo/repo', 12, 'run-a', 'deploy');
    await store.pullRequests.addRun('octo/repo', 13, 'run-other', 'deploy');

    const runs = await store.pullRequests.runs('OCTO/repo', 12);

    expect(runs.map((r) => [r.run_id, r.workflow])).toStrictEqual([
      ['run-b', 'review'],
      ['run-a', 'deploy'],
    ]);
  });
});
