import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, stopServes, waitForRun, type ServeProcess } from '../support/serve-process.ts';

const DEFINITIONS = join(import.meta.dirname, '../../definitions');
const home = mkdtempSync(join(tmpdir(), 'baton-serve-'));
let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe(home, ['--definitions', DEFINITIONS]);
});
afterAll(() => {
  stopServes();
  rmSync(home, { recursive: true, force: true });
});

const waiting = (step: string) => (run: any) => run.steps?.[step]?.status === 'waiting';
const ended = (run: any) => ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(run.status);

describe('baton serve, over real HTTP', { timeout: 60_000 }, () => {
  it('prints where it listens and the routes', () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.output()).toContain('POST /workflows/{name}/runs');
    expect(serve.output()).toContain('deploy-regions');
  });

  it('starts a shipped workflow and runs it to success', async () => {
    const start = await serve.call('POST', '/workflows/deploy-regions/runs', { inputs: { version: '1.2.3' }, run_id: 'serve-staging' });
    expect(start).toMatchObject({ status: 202, body: { run_id: 'serve-staging', execution_arn: expect.stringContaining('deploy-regions.yaml:serve-staging:1'), console_url: null } });
    const run = await waitForRun(serve, 'serve-staging', ended);
    expect(run).toMatchObject({ status: 'succeeded', outputs: { artifact: 'app-1.2.3-18bc32af.tgz' }, steps: { build: { status: 'succeeded' }, deploy: { status: 'succeeded' } } });
    expect(await serve.call('GET', '/runs?workflow=deploy-regions')).toMatchObject({ status: 200, body: { runs: [expect.objectContaining({ run_id: 'serve-staging', status: 'succeeded' })] } });
  });

  it('waits for an approval, takes the decision through the API, and finishes', async () => {
    await serve.call('POST', '/workflows/deploy-regions/runs', { inputs: { version: '2.0.0', environment: 'prod' }, run_id: 'serve-prod' });
    await waitForRun(serve, 'serve-prod', waiting('approve'));
    expect(await serve.call('POST', '/runs/serve-prod/approvals/approve', { decision: 'approve', comment: 'go' })).toMatchObject({ status: 200, body: { decision: 'approve' } });
    expect(await serve.call('POST', '/runs/serve-prod/approvals/approve', { decision: 'reject' })).toMatchObject({ status: 409 });
    const run = await waitForRun(serve, 'serve-prod', ended);
    expect(run).toMatchObject({ status: 'succeeded', steps: { approve: { status: 'succeeded', outputs: { comment: 'go' } }, smoke_test: { status: 'succeeded' } } });
  });

  it('cancels a run', async () => {
    await serve.call('POST', '/workflows/deploy-regions/runs', { inputs: { version: '3.0.0', environment: 'prod' }, run_id: 'serve-cancel' });
    await waitForRun(serve, 'serve-cancel', waiting('approve'));
    expect(await serve.call('POST', '/runs/serve-cancel/cancel')).toMatchObject({ status: 202 });
    expect(await waitForRun(serve, 'serve-cancel', ended)).toMatchObject({ status: 'cancelled' });
    expect(await serve.call('POST', '/runs/serve-cancel/cancel')).toMatchObject({ status: 409, body: { error: 'Baton.RunFinished' } });
  });

  it('answers 400 with every problem for bad inputs', async () => {
    const { status, body } = await serve.call('POST', '/workflows/deploy-regions/runs', { inputs: { environment: 'moon', extra: 1 } });
    expect(status).toBe(400);
    expect(body.problems).toHaveLength(3);
  });

  it('records a run in flight as interrupted on Ctrl-C, and resumes it after a restart', async () => {
    await serve.call('POST', '/workflows/deploy-regions/runs', { inputs: { version: '4.0.0', environment: 'prod' }, run_id: 'serve-later' });
    await waitForRun(serve, 'serve-later', waiting('approve'));
    expect(await serve.interrupt()).toBe(0);

    serve = await startServe(home, ['--definitions', DEFINITIONS]);
    expect(await serve.call('GET', '/runs/serve-later')).toMatchObject({ status: 200, body: { status: 'interrupted', steps: { build: { status: 'succeeded' } } } });
    expect(await serve.call('POST', '/runs/serve-later/resume')).toMatchObject({ status: 202, body: { execution_arn: expect.stringContaining(':serve-later:2') } });
    await waitForRun(serve, 'serve-later', waiting('approve'));
    await serve.call('POST', '/runs/serve-later/approvals/approve', { decision: 'approve' });
    const run = await waitForRun(serve, 'serve-later', ended);
    expect(run).toMatchObject({ status: 'succeeded', steps: { build: { status: 'succeeded', attempts: 1 } } });
  });
});
