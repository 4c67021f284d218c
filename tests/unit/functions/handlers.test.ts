import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createControlHandler } from '../../../functions/control/handler.ts';
import { readEnv } from '../../../functions/runtime/aws-deps.ts';
import { createStepHandler } from '../../../functions/step/handler.ts';
import { StoreTaskTokens } from '../../../functions/runtime/task-tokens.ts';
import { newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

let h: RuntimeHarness;
const sfnMock = mockClient(SFNClient);
beforeAll(async () => {
  h = await startRuntimeHarness();
});
afterAll(() => h.stop());
beforeEach(() => sfnMock.reset());

describe('step Lambda handler', () => {
  it('answers { status, outputs } for the state machine', async () => {
    const handler = createStepHandler({ ...h.deps(), sfn: new SFNClient({ region: 'us-east-1' }) });
    const run = runContext(newRunId());
    await h.store.createRun({ run_id: run.id, workflow: 'wf', inputs: {} });
    const answer = await handler({ workflow: 'wf', kind: 'function', step: 'greet', run, config: { file: 'greet.ts', export: 'handler' }, input: { name: 'Ada' } });
    expect(answer.status).toBe('succeeded');
    expect(answer.outputs).toBeTruthy();
  });

  it('stops the execution with StopExecution when the run is paused, and rethrows', async () => {
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const handler = createStepHandler({ ...h.deps(), sfn: new SFNClient({ region: 'us-east-1' }) });
    const run = runContext(newRunId());
    await h.store.createRun({ run_id: run.id, workflow: 'wf', inputs: {} });
    await h.store.requestControl(run.id, 'pause');
    const execution = 'arn:aws:states:us-east-1:123456789012:execution:wf:abc';
    await expect(handler({ workflow: 'wf', kind: 'function', step: 'greet', run, execution, config: { file: 'greet.ts', export: 'handler' }, input: {} })).rejects.toMatchObject({ name: 'Baton.RunPaused' });
    const calls = sfnMock.commandCalls(StopExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toMatchObject({ executionArn: execution, error: 'Baton.RunPaused' });
    expect((await h.store.getRun(run.id))?.status).toBe('paused');
  });

  it('refuses an event that is not a step invocation, as InputInvalid', async () => {
    const handler = createStepHandler({ ...h.deps(), sfn: new SFNClient({ region: 'us-east-1' }) });
    await expect(handler({ hello: 'world' } as never)).rejects.toMatchObject({ name: 'InputInvalid' });
  });
});

describe('control Lambda handler', () => {
  it('checks inputs and applies defaults at run.start, creating the run of a child', async () => {
    const handler = createControlHandler({ store: h.store, tokens: new StoreTaskTokens(h.store) });
    const run = runContext(newRunId());
    const state = await handler({ kind: 'run.start', workflow: 'wf', inputs: { n: { type: 'integer', default: 3 } }, state: { inputs: {}, run, trigger: null, steps: {} } });
    expect(state).toMatchObject({ inputs: { n: 3 }, steps: {} });
    expect((await h.store.getRun(run.id))?.status).toBe('running');
    await expect(handler({ kind: 'run.start', workflow: 'wf', inputs: { n: { type: 'integer', required: true } }, state: { inputs: { n: 'x' }, run, trigger: null, steps: {} } })).rejects.toMatchObject({ name: 'InputInvalid' });
  });

  it('releases a barrier exactly once whichever side comes last', async () => {
    const released: unknown[] = [];
    const tokens = { sendSuccess: async (_t: string, output: unknown) => void released.push(output), sendFailure: async () => {} };
    const handler = createControlHandler({ store: h.store, tokens });
    const run = runContext(newRunId());
    const base = { inputs: {}, run, trigger: null, steps: {} };
    // d needs a and b. a signals first, then d registers, then b signals.
    await handler({ kind: 'barrier.done', workflow: 'wf', run, step: 'a', steps: { a: { status: 'succeeded', outputs: 1 } }, dependents: [{ step: 'd', needs: 2 }] });
    await handler({ kind: 'barrier.wait', workflow: 'wf', run, step: 'd', needs: ['a', 'b'], token: 't1', state: base });
    expect(released).toHaveLength(0);
    await handler({ kind: 'barrier.done', workflow: 'wf', run, step: 'b', steps: { b: { status: 'skipped' } }, dependents: [{ step: 'd', needs: 2 }] });
    expect(released).toEqual([{ ...base, steps: { a: { status: 'succeeded', outputs: 1 }, b: { status: 'skipped' } } }]);
  });

  it('refuses an unknown kind', async () => {
    const handler = createControlHandler({ store: h.store, tokens: new StoreTaskTokens(h.store) });
    await expect(handler({ kind: 'nope' } as never)).rejects.toMatchObject({ name: 'InputInvalid' });
  });
});

describe('Lambda environment', () => {
  it('reads the table name and defaults, and says what is missing', () => {
    expect(readEnv({ BATON_TABLE: 'runs' })).toEqual({ BATON_TABLE: 'runs', BATON_SECRETS_PREFIX: 'baton/', BATON_RETENTION_DAYS: 30 });
    expect(() => readEnv({})).toThrow(/BATON_TABLE/);
  });
});
