/**
 * Redrive (docs/deploy.md, "Redriving a failed run"): Step Functions re-enters the state an
 * execution failed at, with the input that state had, and
 * `$$.Execution.RedriveCount` one higher. A failed Baton run fails at
 * `run.fail`, which on re-entry starts the flow over, so the steps that had
 * succeeded return their checkpoints and the failed ones run again. The local
 * interpreter has no redrive, so these tests do what it does: the compiled
 * definition started at `run.fail`, with the state `run.fail` saw.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.ts';
import type { ControlEventOf, ExecutionInput, LambdaRole } from '../../compiler/contract/index.ts';
import { LocalExecution } from '../../cli/engine/execution.ts';
import { LocalTaskTokens } from '../../cli/engine/local-tokens.ts';
import { handlerForRole } from '../../functions/handlers.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { LocalFunctionLoader } from '../../functions/runtime/function-loader.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.clearCalls());

const probe = 'function: ../steps/probe.ts';

/** Runs one execution of `file`'s definition; answers how it ended and the event `run.fail` got, if it got one. */
async function execute(file: string, input: ExecutionInput, options: { startAt?: string; redriveCount?: number } = {}) {
  const compiled = compile(readFileSync(file, 'utf8'));
  const asl = { ...compiled.asl!, ...(options.startAt ? { StartAt: options.startAt } : {}) };
  const tokens = new LocalTaskTokens(h.store);
  const deps = { store: h.store, secrets: new EnvSecrets({}), tokens, functions: new LocalFunctionLoader(dirname(file)) };
  let failEvent: ControlEventOf<'run.fail'> | undefined;
  const execution = new LocalExecution({
    arn: `arn:baton:local:execution:test:${input.run.id}:1`,
    compiled: { ...compiled, asl },
    input,
    store: h.store,
    tokens,
    handler: (role: LambdaRole) => {
      const handler = handlerForRole(role, deps);
      return async (event: unknown) => {
        if ((event as { kind?: string }).kind === 'run.fail') failEvent = event as ControlEventOf<'run.fail'>;
        return handler(event);
      };
    },
    runChild: async () => {
      throw new Error('no child workflows here');
    },
    redriveCount: options.redriveCount,
  });
  const outcome = await execution.run();
  return { outcome, error: execution.error, failEvent };
}

/** The state `run.fail` saw, as far as its Parameters read it: what a redrive gives it back. */
function stateAtFail(event: ControlEventOf<'run.fail'>): ExecutionInput {
  return { inputs: event.inputs, run: event.run, trigger: event.trigger ?? null, steps: {}, failure: { error: event.error } } as ExecutionInput;
}

async function firstExecution(name: string, yaml: string) {
  const file = h.write(name, yaml);
  const runId = `${name}-1`;
  const started_at = new Date().toISOString();
  await h.store.runs.create({ run_id: runId, workflow: name, inputs: {}, status: 'running', started_at, execution_arn: `arn:baton:local:execution:test:${runId}:1` });
  const input: ExecutionInput = { inputs: {}, run: { id: runId, workflow: name, started_at, attempt: 1 }, trigger: null, steps: {} };
  return { file, runId, first: await execute(file, input) };
}

describe('redrive of a failed run', () => {
  it('starts the flow over: what succeeded is not run again, the failed step is, and the run succeeds', async () => {
    const { file, runId, first } = await firstExecution(
      'redrive-ok',
      `name: redrive-ok
steps:
  build: { ${probe} }
  flaky: { ${probe}, needs: build, with: { fail_attempts: 1 } }
  side: { ${probe}, needs: build }
  after: { ${probe}, needs: [flaky, side] }
`,
    );
    expect(first.outcome).toBe('failed');
    expect(first.error?.name).toBe('ProbeFailed');
    expect((await h.result(runId)).status).toBe('failed');
    expect(first.failEvent).toMatchObject({ redrive_count: 0, error: { Error: 'ProbeFailed' } });

    const second = await execute(file, stateAtFail(first.failEvent!), { startAt: 'run.fail', redriveCount: 1 });
    expect(second.outcome).toBe('succeeded');
    expect(h.calls('build')).toHaveLength(1);
    expect(h.calls('side')).toHaveLength(1);
    expect(h.calls('flaky').map((c) => c.attempt)).toEqual([1, 2]);
    expect(h.calls('after')).toHaveLength(1);
    const result = await h.result(runId);
    expect(result.status).toBe('succeeded');
    expect(Object.values(result.steps).map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });

  it('fails again, once, when the step fails again; a second redrive starts over again', async () => {
    const { file, runId, first } = await firstExecution(
      'redrive-again',
      `name: redrive-again
steps:
  build: { ${probe} }
  flaky: { ${probe}, needs: build, with: { fail_attempts: 2 } }
`,
    );
    expect(first.outcome).toBe('failed');

    const second = await execute(file, stateAtFail(first.failEvent!), { startAt: 'run.fail', redriveCount: 1 });
    expect(second.outcome).toBe('failed');
    expect(second.error?.name).toBe('ProbeFailed');
    // The flow started over once (attempt 2) and failed at run.fail again, without starting over a second time.
    expect(second.failEvent).toMatchObject({ redrive_count: 1, run: { attempt: 2, redriven: 1 } });
    expect(h.calls('flaky').map((c) => c.attempt)).toEqual([1, 2]);
    expect((await h.result(runId)).status).toBe('failed');

    const third = await execute(file, stateAtFail(second.failEvent!), { startAt: 'run.fail', redriveCount: 2 });
    expect(third.outcome).toBe('succeeded');
    expect(h.calls('build')).toHaveLength(1);
    expect(h.calls('flaky').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect((await h.result(runId)).status).toBe('succeeded');
  });
});
