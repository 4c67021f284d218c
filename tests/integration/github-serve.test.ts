/**
 * GitHub end to end on one machine, as docs/github.md's local section tells a
 * user: `baton serve` with GITHUB_WEBHOOK_SECRET takes a delivery that
 * `baton github replay` signs, starts the shipped pr-processing workflow, runs
 * it to the end, and keeps a check run up to date on a fake GitHub over real
 * HTTP. Real processes, a real local database, no internet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleDelivery } from '../../cli/github-examples.ts';
import { startBaton } from '../support/cli-process.ts';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.ts';
import { startServe, stopServes, waitForRun, type ServeProcess } from '../support/serve-process.ts';

const DEFINITIONS = join(import.meta.dirname, '../../definitions');
const SECRET = 'a local webhook secret';

let home: string;
let github: FakeGithub;
let serve: ServeProcess;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'baton-github-serve-'));
  github = await startFakeGithub();
  serve = await startServe(home, ['--definitions', DEFINITIONS, '--echo-agents'], { GITHUB_WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: 'ghp_local_test_token', GITHUB_API_URL: github.url });
}, 30_000);
afterAll(async () => {
  stopServes();
  await github.close();
  rmSync(home, { recursive: true, force: true });
});

function replay(args: string[], secret = SECRET) {
  return startBaton(home, ['github', 'replay', ...args, '--url', `${serve.url}/github/webhook`], { GITHUB_WEBHOOK_SECRET: secret }).done;
}

describe('baton serve: GitHub deliveries', () => {
  it('a signed pull_request delivery starts the run, the run finishes, and its check run goes queued → in progress → success', async () => {
    const sent = await replay(['pull_request.opened', '--delivery', 'serve-delivery-1']);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/→ .*: 202/);
    const answer = JSON.parse(sent.stdout);
    const runId: string = answer.started[0].run_id;
    expect(answer.started).toHaveLength(1);
    expect(answer.started[0]).toMatchObject({ workflow: 'pr-processing' });

    const run = await waitForRun(serve, runId, (r) => r.status === 'succeeded' || r.status === 'failed', 60_000);
    expect(run.status).toBe('succeeded');
    expect(run.inputs).toMatchObject({ repository: 'Codertocat/Hello-World', pr_number: 2 });

    // The check run: created on the pull request's head commit, then patched to its end.
    const created = github.requests.filter((r) => r.method === 'POST' && /\/repos\/Codertocat\/Hello-World\/check-runs$/.test(r.url));
    expect(created).toHaveLength(1);
    expect(created[0].headers.authorization).toBe('token ghp_local_test_token');
    const deadline = Date.now() + 10_000;
    let check: Record<string, any> | undefined;
    while (Date.now() < deadline) {
      check = [...github.checkRuns.values()].find((c) => c.external_id === runId);
      if (check?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(check).toMatchObject({ name: 'baton/pr-processing', status: 'completed', conclusion: 'success', external_id: runId });
    expect(check!.output.summary).toContain('| analyze |');
    const patches = github.requests.filter((r) => r.method === 'PATCH' && r.url.includes('/check-runs/')).map((r) => JSON.parse(r.body).status);
    expect(patches[0]).toBe('in_progress');
    expect(patches.at(-1)).toBe('completed');
    // What serve printed says what happened, and never a secret.
    expect(serve.output()).toMatch(new RegExp(`github pull_request.opened serve-delivery-1: started ${runId}`));
    expect(serve.output()).not.toContain('ghp_local_test_token');
    expect(serve.output()).not.toContain(SECRET);
  }, 90_000);

  it('the same delivery again starts nothing new, and says it is a duplicate', async () => {
    const again = await replay(['pull_request.opened', '--delivery', 'serve-delivery-1']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ duplicate: true });
    const runs = (await serve.call('GET', '/runs?workflow=pr-processing')).body.runs;
    expect(runs).toHaveLength(1);
  });

  it('--url takes the bare address baton serve prints, meaning its webhook route', async () => {
    const again = await startBaton(home, ['github', 'replay', 'pull_request.opened', '--delivery', 'serve-delivery-1', '--url', serve.url], { GITHUB_WEBHOOK_SECRET: SECRET }).done;
    expect(again.stderr).toContain(`${serve.url}/github/webhook: 200`);
    expect(JSON.parse(again.stdout)).toMatchObject({ duplicate: true });
  });

  it('a delivery too large to start an execution with is refused with why, and records no run', async () => {
    const payload = structuredClone(exampleDelivery('pull_request.opened').payload) as { pull_request: { body: string } };
    payload.pull_request.body = '😀'.repeat(70_000); // 280 KB of UTF-8: under GitHub's limits, over Step Functions' 256 KB
    const file = join(home, 'large-pull-request.json');
    writeFileSync(file, JSON.stringify(payload));
    const sent = await replay([file, '--event', 'pull_request', '--delivery', 'serve-delivery-large']);
    expect(sent.code).toBe(0);
    const answer = JSON.parse(sent.stdout);
    expect(answer.started).toEqual([]);
    expect(answer.refused).toEqual([expect.objectContaining({ workflow: 'pr-processing', reason: 'inputs', problems: [expect.stringMatching(/is 2\d\d KB of JSON, and Step Functions starts an execution with at most 256 KB/)] })]);
    const runs = (await serve.call('GET', '/runs?workflow=pr-processing')).body.runs;
    expect(runs).toHaveLength(1);
  });

  it('a delivery signed with another secret is refused (401), and starts nothing', async () => {
    const forged = await replay(['pull_request.opened', '--delivery', 'serve-delivery-forged'], 'not the secret');
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/: 401/);
    expect(forged.stdout).not.toContain('not the secret');
    const runs = (await serve.call('GET', '/runs?workflow=pr-processing')).body.runs;
    expect(runs).toHaveLength(1);
  });
});
