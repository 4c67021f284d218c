import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, stopBatons, type Exit } from '../support/cli-process.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalTaskTokens } from '../../cli/engine/local-tokens.ts';
import { LocalFunctionLoader } from '../../functions/runtime/function-loader.ts';
import { decideApproval } from '../../functions/runtime/kinds/approval.ts';
import type { RunResult } from '../../functions/runtime/run-result.ts';
import type { RuntimeDeps } from '../../functions/runtime/runtime-deps.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

/**
 * Steps that wait on something outside the run: an approval (a person, through the
 * runtime's decideApproval or `baton approve` from another process) and a child
 * workflow. All through the real local engine.
 */

const probe = 'function: ../steps/probe.ts';

let h: Harness;
let deps: RuntimeDeps;

beforeAll(async () => {
  h = await startHarness();
  // What `baton approve` builds: the same store, tokens released through it.
  deps = { store: h.store, tokens: new LocalTaskTokens(h.store), secrets: new EnvSecrets({}), functions: new LocalFunctionLoader(process.cwd()) };
});
afterAll(() => h.close());
beforeEach(() => h.clearCalls());

/** Polls `read` until `done` says yes (or fails after `ms`). */
async function until<T>(read: () => Promise<T | undefined>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting after ${ms} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const gated = (name: string) => `name: ${name}
steps:
  build: { ${probe}, with: { value: built } }
  gate:
    needs: build
    approval: { message: "Ship \${{ steps.build.outputs.value }}?", timeout: 1h }
  ship:
    ${probe}
    needs: gate
    with: { who: "\${{ steps.gate.outputs.approved_by }}" }
outputs:
  approver: \${{ steps.gate.outputs.approved_by }}
  comment: \${{ steps.gate.outputs.comment }}
`;

describe('engine: approval', () => {
  it('shows waiting until someone approves; then the run goes on with { approved_by, comment, decided_at }', async () => {
    const file = h.write('approval-yes', gated('approval-yes'));
    const runId = 'approval-yes-1';

    const running = h.run(file, {}, runId);
    const waiting = await until(() => h.result(runId), (r) => r.steps.gate?.status === 'waiting');
    const approval = await h.store.approvals.get(runId, { step: 'gate' });
    const before = Date.now();
    await decideApproval(deps, runId, 'gate', { decision: 'approve', comment: 'looks good', by: 'ana' });
    const result = await running;

    expect(waiting.status).toBe('running');
    expect(waiting.steps.build.status).toBe('succeeded');
    expect(waiting.steps.ship).toBeUndefined();
    expect(approval).toMatchObject({ message: 'Ship built?' });
    expect(h.events.some((e) => e.type === 'step' && e.view.step === 'gate' && e.view.status === 'waiting')).toBe(true);
    expect(result.status).toBe('succeeded');
    const outputs = result.steps.gate.outputs as { approved_by: string; comment: string; decided_at: string };
    expect(outputs).toStrictEqual({ approved_by: 'ana', comment: 'looks good', decided_at: expect.any(String) });
    expect(Date.parse(outputs.decided_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(result.steps.gate.status).toBe('succeeded');
    expect(h.calls('ship')[0].input).toEqual({ who: 'ana' });
    expect(h.calls('ship')[0].start).toBeGreaterThanOrEqual(before);
    expect(result.outputs).toEqual({ approver: 'ana', comment: 'looks good' });
  });

  it('fails the run with ApprovalRejected on a rejection; later steps do not run', async () => {
    const file = h.write('approval-no', gated('approval-no'));
    const runId = 'approval-no-1';

    const running = h.run(file, {}, runId);
    await until(() => h.result(runId), (r) => r.steps.gate?.status === 'waiting');
    await decideApproval(deps, runId, 'gate', { decision: 'reject', comment: 'not today', by: 'bob' });
    const result = await running;

    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'gate', name: 'ApprovalRejected' });
    expect(result.error!.cause).toContain('rejected by bob: not today');
    expect(result.steps.gate).toMatchObject({ status: 'failed', error: { name: 'ApprovalRejected' } });
    expect(result.steps.ship?.status ?? 'skipped').toBe('skipped');
    expect(h.calls('ship')).toHaveLength(0);
  });

  it('does not retry a rejection even under a retry policy', async () => {
    const file = h.write('approval-no-retry', `name: approval-no-retry
steps:
  gate: { approval: { message: "ok?" }, retry: { max_attempts: 3, interval: 1s } }
`);
    const runId = 'approval-no-retry-1';

    const running = h.run(file, {}, runId);
    await until(() => h.result(runId), (r) => r.steps.gate?.status === 'waiting');
    await decideApproval(deps, runId, 'gate', { decision: 'reject', by: 'bob' });
    const result = await running;

    expect(result.status).toBe('failed');
    expect(result.steps.gate).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'ApprovalRejected' } });
  });
});

describe('engine: child workflow', () => {
  it('runs the child with its with: as inputs; its outputs are the step\'s outputs', async () => {
    h.write('child-add', `name: child-add
inputs:
  n: { type: integer, required: true }
  label: { type: string, default: plain }
steps:
  inner: { ${probe}, with: { value: "\${{ inputs.label }}-\${{ inputs.n }}" } }
outputs:
  doubled: \${{ inputs.n }}
  label: \${{ steps.inner.outputs.value }}
`);
    const file = h.write('parent-add', `name: parent-add
steps:
  first: { ${probe}, with: { value: 21 } }
  child:
    needs: first
    workflow: child-add
    with: { n: "\${{ steps.first.outputs.value }}", label: fancy }
  after:
    ${probe}
    needs: child
    with: { got: "\${{ steps.child.outputs.label }}" }
outputs:
  from_child: \${{ steps.child.outputs }}
`);

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(result.steps.child.status).toBe('succeeded');
    expect(result.steps.child.outputs).toEqual({ doubled: 21, label: 'fancy-21' });
    expect(h.calls('inner')[0].input).toEqual({ value: 'fancy-21' });
    expect(h.calls('after')[0].input).toEqual({ got: 'fancy-21' });
    expect(result.outputs).toEqual({ from_child: { doubled: 21, label: 'fancy-21' } });
    // The child is a run of its own, in the store beside its parent.
    const children = await h.store.runs.list({ workflow: 'child-add' });
    expect(children.map((r) => r.status)).toContain('succeeded');
  });

  it('fails the step, and the run, when the child fails', async () => {
    h.write('child-broken', `name: child-broken
steps:
  inner: { ${probe}, with: { fail: true, error: ChildBroke }, retry: 1 }
`);
    const file = h.write('parent-broken', `name: parent-broken
steps:
  child: { workflow: child-broken }
  after: { ${probe}, needs: child }
`);

    const result = await h.run(file);

    expect(result.status).toBe('failed');
    expect(result.steps.child.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'child' });
    expect(JSON.stringify(result.error)).toContain('ChildBroke');
    expect(h.calls('after')).toHaveLength(0);
    const [child] = await h.store.runs.list({ workflow: 'child-broken' });
    expect(child).toMatchObject({ status: 'failed', error: { step: 'inner', name: 'ChildBroke' } });
  });
});

// ---- through the CLI, from two processes ------------------------------------------


afterAll(stopBatons);

/** `node cli/bin.ts ARGS` with its own BATON_HOME. */
const baton = startBaton;

/** Polls `baton status RUN --json` from new processes until `step` is waiting; says what it last saw if it never is. */
async function waitingFor(home: string, runId: string, step: string, run: { stderr: () => string }): Promise<RunResult> {
  let last: Exit | undefined;
  try {
    return await until(
      async () => {
        last = await baton(home, ['status', runId, '--json']).done;
        return last.code === 0 ? (JSON.parse(last.stdout) as RunResult) : undefined;
      },
      (r) => r.steps[step]?.status === 'waiting',
      20_000,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; last baton status: exit ${last?.code}, stderr ${JSON.stringify(last?.stderr)}, stdout ${last?.stdout.slice(0, 300)}; baton run's stderr: ${JSON.stringify(run.stderr())}`,
    );
  }
}

describe('cli: approve from another process', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'baton-approval-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('baton run waits on the approval; baton approve in a second process lets it finish', async () => {
    const file = h.write('approval-cli', gated('approval-cli'));
    const runId = 'approval-cli-1';

    const run = baton(home, ['run', file, '--json', '--run-id', runId]);
    const waiting = await waitingFor(home, runId, 'gate', run);
    const approve = await baton(home, ['approve', runId, 'gate', '--comment', 'from the CLI']).done;
    const finished = await run.done;

    expect(waiting.status).toBe('running');
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain('approved');
    expect(finished.code).toBe(0);
    const result = JSON.parse(finished.stdout) as RunResult;
    expect(result.status).toBe('succeeded');
    expect(result.steps.gate.outputs).toMatchObject({ approved_by: expect.any(String), comment: 'from the CLI', decided_at: expect.any(String) });
    expect(result.steps.ship.status).toBe('succeeded');
    expect(result.outputs).toMatchObject({ comment: 'from the CLI' });
  }, 30_000);

  it('baton reject in a second process fails the run: exit code 1, ApprovalRejected', async () => {
    const file = h.write('approval-cli-no', gated('approval-cli-no'));
    const runId = 'approval-cli-no-1';

    const run = baton(home, ['run', file, '--json', '--run-id', runId]);
    await waitingFor(home, runId, 'gate', run);
    const reject = await baton(home, ['reject', runId, 'gate', '--comment', 'no']).done;
    const finished = await run.done;

    expect(reject.code).toBe(0);
    expect(finished.code).toBe(1);
    const result = JSON.parse(finished.stdout) as RunResult;
    expect(result.error).toMatchObject({ step: 'gate', name: 'ApprovalRejected' });
  }, 30_000);
});
