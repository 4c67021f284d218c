import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryDynamo, type LocalDynamo } from '../../../cli/engine/local-dynamo.ts';
import { LocalTaskTokens } from '../../../cli/engine/local-tokens.ts';
import { CheckpointStore } from '../../../functions/runtime/store/index.ts';
import { StoreTaskTokens } from '../../../functions/runtime/task-tokens.ts';

let dynamo: LocalDynamo;
let store: CheckpointStore;
beforeAll(async () => {
  dynamo = await openMemoryDynamo();
  store = new CheckpointStore({ client: dynamo.client, tableName: 'baton-runs', retentionDays: null });
  await store.createTableIfMissing();
});
afterAll(() => dynamo.close());

/** The store as another process sees it: a release written there, no event in this process. */
const otherProcess = () => new StoreTaskTokens(store);

describe('local task tokens', () => {
  it('finds a release written by another process (baton approve) by reading the store', async () => {
    const tokens = new LocalTaskTokens(store, 10);
    const waiting = tokens.wait('t-approval', new AbortController().signal);
    await otherProcess().sendSuccess('t-approval', { approved: true });
    expect(await waiting).toEqual({ status: 'success', output: { approved: true } });
  });

  it('does not read the store for a token only this process releases (a barrier), and wakes it at once', async () => {
    const reads: string[] = [];
    const counted = new CheckpointStore({ client: dynamo.client, tableName: 'baton-runs', retentionDays: null });
    const outcome = counted.tokens.outcome.bind(counted.tokens);
    counted.tokens.outcome = async (token: string) => {
      reads.push(token);
      return outcome(token);
    };
    const tokens = new LocalTaskTokens(counted, 5);
    const abort = new AbortController();
    const barrier = tokens.wait('t-barrier', abort.signal, { elsewhere: false });
    const approval = tokens.wait('t-other', abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await tokens.sendSuccess('t-barrier', { steps: {} }, { wakeFirst: true });
    expect(await barrier).toEqual({ status: 'success', output: { steps: {} } });
    expect(reads).not.toContain('t-barrier');
    expect(reads).toContain('t-other');
    abort.abort();
    await approval.catch(() => undefined);
  });
});
