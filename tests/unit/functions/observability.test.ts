import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countRunEnds } from '../../../functions/control/handler.ts';
import { MetricNames, powertoolsObservability, stepEventMetrics, type BatonMetrics } from '../../../functions/runtime/observability.ts';
import { createStepHandler } from '../../../functions/step/handler.ts';
import { toProxyEvent } from '../../../cli/serve/proxy-event.ts';
import { manifestOf } from '../../support/api-harness.ts';
import { newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

function recorder() {
  const seen: Array<[string, string, number?]> = [];
  const metrics: BatonMetrics = {
    runStarted: (w) => seen.push(['RunsStarted', w]),
    runSucceeded: (w) => seen.push(['RunsSucceeded', w]),
    runFailed: (w) => seen.push(['RunsFailed', w]),
    stepDuration: (w, ms) => seen.push(['StepDuration', w, ms]),
    stepRetried: (w) => seen.push(['StepRetries', w]),
  };
  return { seen, metrics };
}

/** What `body` writes to stdout, one line each. */
async function stdoutOf(body: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    await body();
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  return lines;
}

describe('observability: metrics', () => {
  it('writes each metric as EMF in namespace Baton, with the workflow as its only dimension', async () => {
    const observability = await powertoolsObservability('baton-test');
    const lines = await stdoutOf(() => {
      observability.metrics.runStarted('deploy');
      observability.metrics.runSucceeded('deploy');
      observability.metrics.runFailed('deploy');
      observability.metrics.stepDuration('review', 42);
      observability.metrics.stepRetried('review');
    });
    const emf = lines.map((l) => JSON.parse(l)).filter((d) => d._aws);
    expect(emf.map((d) => d._aws.CloudWatchMetrics[0].Metrics[0])).toEqual([
      { Name: 'RunsStarted', Unit: 'Count' },
      { Name: 'RunsSucceeded', Unit: 'Count' },
      { Name: 'RunsFailed', Unit: 'Count' },
      { Name: 'StepDuration', Unit: 'Milliseconds' },
      { Name: 'StepRetries', Unit: 'Count' },
    ]);
    for (const d of emf) {
      expect(d._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Baton', Dimensions: [['workflow']] });
      expect(Object.keys(d).filter((k) => k !== '_aws' && !Object.values(MetricNames).includes(k as never))).toEqual(['workflow']);
    }
    expect(emf.map((d) => d.workflow)).toEqual(['deploy', 'deploy', 'deploy', 'review', 'review']);
    expect(emf[3].StepDuration).toBe(42);
  });

  it('derives StepRetries and StepDuration from the step runtime’s events', () => {
    const { seen, metrics } = recorder();
    let now = 1000;
    const log = stepEventMetrics(metrics, () => now);
    const base = { run_id: 'r', workflow: 'wf', step: 'build' };
    log({ event: 'step.started', ...base, attempt: 1 });
    now = 1250;
    log({ event: 'step.failed', ...base, attempt: 1 });
    log({ event: 'step.started', ...base, attempt: 2 });
    now = 1300;
    log({ event: 'step.succeeded', ...base, attempt: 2 });
    // An agent's poll continues an attempt: neither a retry nor a start.
    log({ event: 'step.started', ...base, step: 'agent', attempt: 2, phase: 'poll' });
    log({ event: 'step.succeeded', ...base, step: 'agent', attempt: 2 });
    expect(seen).toEqual([
      ['StepDuration', 'wf', 250],
      ['StepRetries', 'wf'],
      ['StepDuration', 'wf', 50],
    ]);
  });

  it('counts RunsSucceeded and RunsFailed where the control Lambda records a run’s end', async () => {
    const { seen, metrics } = recorder();
    const handler = countRunEnds(async () => ({}), metrics);
    await handler({ kind: 'run.succeeded', run: { workflow: 'a' } });
    await handler({ kind: 'run.failed', run: { workflow: 'b' } });
    await handler({ kind: 'barrier.signal', run: { workflow: 'c' } });
    expect(seen).toEqual([
      ['RunsSucceeded', 'a'],
      ['RunsFailed', 'b'],
    ]);
  });
});

describe('observability: a step Lambda', () => {
  let h: RuntimeHarness;
  beforeAll(async () => {
    h = await startRuntimeHarness();
  });
  afterAll(() => h.stop());

  it('logs the runtime’s events keyed by run, step and attempt, and measures the step', async () => {
    const observability = await powertoolsObservability('baton-step');
    const { seen, metrics } = recorder();
    const counted = stepEventMetrics(metrics);
    const run = runContext(newRunId());
    await h.store.runs.create({ run_id: run.id, workflow: 'wf', inputs: {} });
    const log = observability.stepLog();
    const handler = createStepHandler({ kind: 'function', file: 'greet.ts' }, h.deps({ log: (e) => (log(e), counted(e)) }));
    const lines = await stdoutOf(() => handler({ step: 'greet', run, input: { name: 'Ada' } }));
    const logged = lines.map((l) => JSON.parse(l)).filter((d) => d.message === 'step.succeeded');
    expect(logged).toEqual([expect.objectContaining({ level: 'INFO', service: 'baton-step', run_id: run.id, step: 'greet', attempt: 1, workflow: 'wf' })]);
    expect(seen).toEqual([['StepDuration', 'wf', expect.any(Number)]]);
  });
});

describe('Lambda entries', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('read their environment at cold start and say plainly what is missing', async () => {
    delete process.env.BATON_TABLE;
    delete process.env.BATON_STATE_MACHINE_PREFIX;
    const { handler } = await import('../../../functions/events/handler.ts');
    await expect(handler({})).rejects.toThrow(/Baton Lambda environment: .*BATON_TABLE/);
  });

  it('serve the API from the manifest file the stack bundles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-manifest-'));
    const manifest = join(dir, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ workflows: [manifestOf('name: hello\nsteps:\n  one:\n    http: { url: "https://example.com/" }\n')] }));
    Object.assign(process.env, { BATON_TABLE: 'baton-runs', BATON_STATE_MACHINE_PREFIX: 'arn:aws:states:eu-west-1:123456789012:stateMachine:baton-', BATON_MANIFEST: manifest, AWS_REGION: 'eu-west-1' });
    const { handler } = await import('../../../functions/api/handler.ts');
    let result: Awaited<ReturnType<typeof handler>> | undefined;
    await stdoutOf(async () => {
      result = await handler(toProxyEvent({ method: 'GET', url: '/workflows' }), { functionName: 'api', awsRequestId: 'req-1' });
    });
    expect(result?.statusCode).toBe(200);
    expect(JSON.parse(result!.body).workflows.map((w: { name: string }) => w.name)).toEqual(['hello']);
  });

  it('report a schedule for a workflow that is not deployed instead of throwing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-manifest-'));
    const manifest = join(dir, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ workflows: [] }));
    Object.assign(process.env, { BATON_TABLE: 'baton-runs', BATON_STATE_MACHINE_PREFIX: 'arn:aws:states:eu-west-1:123456789012:stateMachine:baton-', BATON_MANIFEST: manifest, AWS_REGION: 'eu-west-1' });
    const { handler } = await import('../../../functions/schedule/handler.ts');
    let outcome: unknown;
    await stdoutOf(async () => {
      outcome = await handler({ workflow: 'gone', schedule: 'rate(1 day)', scheduled_time: '2026-11-01T00:00:00Z' });
    });
    expect(outcome).toMatchObject({ started: false, problems: [expect.stringContaining('gone')] });
  });
});
