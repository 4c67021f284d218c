import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createControlHandler } from '../../../functions/control/handler.ts';
import { handlerForRole } from '../../../functions/handlers.ts';
import { LambdaEnv, readEnv, SfnExecutions } from '../../../functions/runtime/aws-deps.ts';
import { EnvSecrets } from '../../../functions/runtime/secrets.ts';
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

const controlDeps = () => ({ store: h.store, tokens: new StoreTaskTokens(h.store), secrets: new EnvSecrets({}) });

describe('step Lambda handler', () => {
  it('answers the step record { status, outputs } for the state machine', async () => {
    const handler = createStepHandler({ kind: 'function', file: 'greet.ts' }, h.deps());
    const run = runContext(newRunId());
    await h.store.runs.create({ run_id: run.id, workflow: 'wf', inputs: {} });
    const answer = await handler({ step: 'greet', run, input: { name: 'Ada' } });
    expect(answer.status).toBe('succeeded');
    expect(answer.outputs).toMatchObject({ greeting: 'hello Ada' });
  });

  it('stops the execution with StopExecution when the run is paused, and rethrows', async () => {
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const handler = createStepHandler({ kind: 'function', file: 'greet.ts' }, h.deps({ executions: new SfnExecutions(new SFNClient({ region: 'us-east-1' })) }));
    const run = runContext(newRunId());
    const execution = 'arn:aws:states:us-east-1:123456789012:execution:wf:abc';
    await h.store.runs.create({ run_id: run.id, workflow: 'wf', inputs: {}, execution_arn: execution });
    await h.store.runs.requestControl(run.id, 'pause');
    await expect(handler({ step: 'greet', run, input: {} })).rejects.toMatchObject({ name: 'Baton.RunPaused' });
    const calls = sfnMock.commandCalls(StopExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toMatchObject({ executionArn: execution, error: 'Baton.RunPaused' });
    expect((await h.store.runs.get(run.id))?.status).toBe('paused');
  });

  it('refuses an event that is not a step event, as InputInvalid naming what is wrong', async () => {
    const handler = createStepHandler({ kind: 'http' }, h.deps());
    await expect(handler({ hello: 'world' })).rejects.toMatchObject({ name: 'InputInvalid', message: expect.stringContaining('step') });
  });

  it('binds every contract role to its handler', async () => {
    const deps = { ...h.deps(), ...controlDeps() };
    for (const role of [{ kind: 'control' }, { kind: 'http' }, { kind: 'agent' }, { kind: 'approval' }, { kind: 'function', file: 'greet.ts' }] as const) {
      await expect(handlerForRole(role, deps)({})).rejects.toMatchObject({ name: 'InputInvalid' });
    }
  });
});

describe('control Lambda handler', () => {
  it('checks inputs and applies defaults at run.start when no starter did (a child run), and creates the run', async () => {
    const handler = createControlHandler(controlDeps());
    const run = runContext(newRunId());
    const execution = 'arn:aws:states:us-east-1:123456789012:execution:wf:x';
    const state = await handler({ kind: 'run.start', inputs: { n: { type: 'integer', default: 3 } }, state: { inputs: {}, run, trigger: null, steps: {} }, execution });
    expect(state).toMatchObject({ inputs: { n: 3 }, steps: {} });
    expect(await h.store.runs.get(run.id)).toMatchObject({ status: 'running', execution_arn: execution });
    const other = runContext(newRunId());
    await expect(handler({ kind: 'run.start', inputs: { n: { type: 'integer', required: true } }, state: { inputs: { n: 'x' }, run: other, trigger: null, steps: {} }, execution })).rejects.toMatchObject({ name: 'InputInvalid' });
  });

  it('uses the inputs a starter checked and recorded, without checking them again', async () => {
    const handler = createControlHandler(controlDeps());
    const run = runContext(newRunId());
    await h.store.runs.create({ run_id: run.id, workflow: 'wf', inputs: { n: 5 } });
    const state = await handler({ kind: 'run.start', inputs: { n: { type: 'integer', required: true } }, state: { inputs: { ignored: true }, run, steps: {} }, execution: 'arn:x' });
    expect(state).toMatchObject({ inputs: { n: 5 } });
  });

  it('releases a barrier exactly once whichever side comes last, with its needs views merged', async () => {
    const released: unknown[] = [];
    const tokens = { sendSuccess: async (_t: string, output: unknown) => void released.push(output), sendFailure: async () => {} };
    const handler = createControlHandler({ ...controlDeps(), tokens });
    const run = runContext(newRunId());
    const base = { inputs: {}, run, trigger: null, steps: {} };
    // d needs a and b. a ends first, then d registers, then b ends, and b is told twice.
    await handler({ kind: 'barrier.signal', run, signals: [{ step: 'a', dependents: ['d'] }], steps: { a: { status: 'succeeded', outputs: 1 } } });
    await handler({ kind: 'barrier.wait', step: 'd', needs: ['a', 'b'], token: 't1', state: base });
    expect(released).toHaveLength(0);
    await handler({ kind: 'barrier.signal', run, signals: [{ step: 'b', dependents: ['d'] }], steps: { b: { status: 'skipped' } } });
    await handler({ kind: 'barrier.signal', run, signals: [{ step: 'b', dependents: ['d'] }], steps: { b: { status: 'skipped' } } });
    expect(released).toEqual([{ ...base, steps: { a: { status: 'succeeded', outputs: 1 }, b: { status: 'skipped' } } }]);
  });

  it('releases with NeedsNotMet, in fast mode, when a need did not end as the step needs', async () => {
    const failures: string[] = [];
    const tokens = { sendSuccess: async () => {}, sendFailure: async (_t: string, error: string) => void failures.push(error) };
    const handler = createControlHandler({ ...controlDeps(), tokens });
    const run = runContext(newRunId());
    await handler({ kind: 'barrier.signal', run, signals: [{ step: 'a', dependents: ['d'] }], steps: { a: { status: 'failed' } } });
    await handler({ kind: 'barrier.wait', step: 'd', needs: ['a'], require: {}, token: 't', state: { inputs: {}, run, steps: {} } });
    expect(failures).toEqual(['Baton.NeedsNotMet']);
  });

  it('refuses an unknown kind', async () => {
    const handler = createControlHandler(controlDeps());
    await expect(handler({ kind: 'nope' })).rejects.toMatchObject({ name: 'InputInvalid' });
  });
});

describe('Lambda environment', () => {
  it('reads the table name and defaults, and says what is missing', () => {
    expect(readEnv(LambdaEnv, { BATON_TABLE: 'runs' })).toEqual({ BATON_TABLE: 'runs', BATON_SECRETS_PREFIX: 'baton/', BATON_RETENTION_DAYS: 30 });
    expect(() => readEnv(LambdaEnv, {})).toThrow(/BATON_TABLE/);
  });
});
