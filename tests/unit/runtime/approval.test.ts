import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { decideApproval } from '../../../functions/runtime/kinds/approval.ts';
import { SfnTaskTokens } from '../../../functions/runtime/task-tokens.ts';
import { builtIn, callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

const NOW = new Date('2026-11-02T08:00:00.000Z');

let harness: RuntimeHarness;

beforeAll(async () => {
  harness = await startRuntimeHarness();
});

afterAll(async () => {
  await harness.stop();
});

function approval(runId: string, token: string, extra: Record<string, unknown> = {}): StepCall {
  return builtIn('approval', {
    step: 'approve',
    run: runContext(runId),
    config: { timeout_seconds: 3600 },
    input: { message: 'Merge PR #7?' },
    token,
    ...extra,
  });
}

describe('approval: local task tokens (store)', () => {
  it('stores the token and message, and waits', async () => {
    const runId = newRunId();

    const response = await callStep(approval(runId, 'tok-1'), harness.deps({ now: () => NOW }));

    expect(response).toStrictEqual({ status: 'running', outputs: null });
    expect(await harness.store.approvals.get(runId, { step: 'approve' })).toMatchObject({
      token: 'tok-1',
      message: 'Merge PR #7?',
      requested_at: NOW.toISOString(),
      timeout_at: '2026-11-02T09:00:00.000Z',
    });
    expect(await harness.store.steps.get(runId, { step: 'approve' })).toMatchObject({ status: 'waiting', attempts: 1 });
    expect(await harness.store.tokens.outcome('tok-1')).toBeUndefined();
  });

  it('approves once: the checkpoint succeeds and the token is released with the outputs', async () => {
    const runId = newRunId();
    const deps = harness.deps({ now: () => NOW });
    await callStep(approval(runId, 'tok-2'), deps);

    await decideApproval(deps, runId, 'approve', { decision: 'approve', comment: 'ship it', by: 'ana' });
    const second = await decideApproval(deps, runId, 'approve', { decision: 'reject', by: 'bob' }).catch((error: unknown) => error);

    const outputs = { approved_by: 'ana', comment: 'ship it', decided_at: NOW.toISOString() };
    expect(await harness.store.tokens.outcome('tok-2')).toStrictEqual({ status: 'success', output: { status: 'succeeded', outputs } });
    expect(await harness.store.steps.get(runId, { step: 'approve' })).toMatchObject({ status: 'succeeded', outputs });
    expect(second).toMatchObject({ name: ErrorNames.ApprovalAlreadyDecided });
  });

  it('rejects: the checkpoint fails with ApprovalRejected and so does the token', async () => {
    const runId = newRunId();
    const deps = harness.deps();
    await callStep(approval(runId, 'tok-3'), deps);

    await decideApproval(deps, runId, 'approve', { decision: 'reject', comment: 'not today', by: 'bob' });

    expect(await harness.store.tokens.outcome('tok-3')).toStrictEqual({
      status: 'failure',
      error: ErrorNames.ApprovalRejected,
      cause: 'rejected by bob: not today',
    });
    expect(await harness.store.steps.get(runId, { step: 'approve' })).toMatchObject({
      status: 'failed',
      error: { name: ErrorNames.ApprovalRejected, message: 'rejected by bob: not today' },
    });
  });

  it('releases a re-invoked approval at once when the decision is already there', async () => {
    const runId = newRunId();
    const deps = harness.deps();
    await callStep(approval(runId, 'tok-4a'), deps);
    await decideApproval(deps, runId, 'approve', { decision: 'reject', by: 'bob' });

    await callStep(approval(runId, 'tok-4b'), deps);

    expect(await harness.store.tokens.outcome('tok-4b')).toMatchObject({ status: 'failure', error: ErrorNames.ApprovalRejected });
  });

  it('releases the token at once with the stored outputs when the step already succeeded (resume)', async () => {
    const runId = newRunId();
    const deps = harness.deps({ now: () => NOW });
    await callStep(approval(runId, 'tok-5a', { outputs: ['approved_by'] }), deps);
    await decideApproval(deps, runId, 'approve', { decision: 'approve', by: 'ana' });

    const response = await callStep(approval(runId, 'tok-5b', { outputs: ['approved_by'] }), deps);

    expect(await harness.store.tokens.outcome('tok-5a')).toStrictEqual({ status: 'success', output: { status: 'succeeded', outputs: { approved_by: 'ana' } } });
    expect(await harness.store.tokens.outcome('tok-5b')).toStrictEqual({ status: 'success', output: { status: 'succeeded', outputs: { approved_by: 'ana' } } });
    expect(response).toStrictEqual({ status: 'succeeded', outputs: { approved_by: 'ana' } });
    expect((await harness.store.steps.get(runId, { step: 'approve' }))?.attempts).toBe(1);
  });

  it('refuses a decision for an approval that was never asked for', async () => {
    await expect(decideApproval(harness.deps(), newRunId(), 'approve', { decision: 'approve', by: 'ana' })).rejects.toMatchObject({
      name: ErrorNames.ApprovalNotFound,
    });
  });
});

describe('approval: Step Functions task tokens', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());

  it('sends SendTaskSuccess with the outputs on approve', async () => {
    const runId = newRunId();
    const deps = harness.deps({ now: () => NOW, tokens: new SfnTaskTokens(new SFNClient({})) });
    await callStep(approval(runId, 'sfn-token-1'), deps);

    await decideApproval(deps, runId, 'approve', { decision: 'approve', by: 'ana' });

    const calls = sfn.commandCalls(SendTaskSuccessCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toStrictEqual({
      taskToken: 'sfn-token-1',
      output: JSON.stringify({ status: 'succeeded', outputs: { approved_by: 'ana', comment: null, decided_at: NOW.toISOString() } }),
    });
  });

  it('sends SendTaskFailure with ApprovalRejected on reject', async () => {
    const runId = newRunId();
    const deps = harness.deps({ tokens: new SfnTaskTokens(new SFNClient({})) });
    await callStep(approval(runId, 'sfn-token-2'), deps);

    await decideApproval(deps, runId, 'approve', { decision: 'reject', comment: 'no', by: 'bob' });

    expect(sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input).toStrictEqual({
      taskToken: 'sfn-token-2',
      error: 'ApprovalRejected',
      cause: 'rejected by bob: no',
    });
  });

  it('says so when Step Functions no longer waits on the token', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));
    const tokens = new SfnTaskTokens(new SFNClient({}));

    await expect(tokens.sendSuccess('old', {})).rejects.toMatchObject({ name: ErrorNames.TaskTokenClosed });
  });
});
