import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exampleDelivery } from '../../../cli/github-examples.ts';
import { runtimeApprovals } from '../../../functions/github/ports.ts';
import { runIdFor } from '../../../functions/github/run-ids.ts';
import { createWebhookHandler } from '../../../functions/github/webhook-handler.ts';
import { EnvSecrets } from '../../../functions/runtime/secrets.ts';
import { StoreTaskTokens } from '../../../functions/runtime/task-tokens.ts';
import { noUserCode } from '../../../functions/step/handler.ts';
import { manifestOf } from '../../support/fake-starter.ts';
import { startFakeGithub, type FakeGithub } from '../../support/fake-github.ts';
import { proxyEventOf, signedRequest, startWebhookHarness, type WebhookHarness } from '../../support/github-harness.ts';
import { builtIn, callStep, runContext } from '../../support/runtime-harness.ts';

const review = manifestOf(`
name: review
on:
  github:
    - event: pull_request
steps:
  merge: { approval: { message: Merge? } }
`);
const deploy = manifestOf(`
name: deploy
on:
  github:
    - event: pull_request
      actions: [labeled]
steps:
  deploy: { approval: { message: Deploy? } }
`);

let harness: WebhookHarness;
let github: FakeGithub;
let number = 100;

beforeAll(async () => {
  harness = await startWebhookHarness();
  github = await startFakeGithub();
});

afterAll(async () => {
  await github.close();
  await harness.stop();
});

beforeEach(() => {
  github.permissions.clear();
  github.permissions.set('maintainer', { permission: 'write', role_name: 'maintain' });
  github.permissions.set('admin', { permission: 'admin', role_name: 'admin' });
  github.permissions.set('triager', { permission: 'read', role_name: 'triage' });
});

function setup() {
  const runtime = { store: harness.store, tokens: new StoreTaskTokens(harness.store), secrets: new EnvSecrets({}), functions: noUserCode };
  const deps = harness.deps([review, deploy], { github, approvals: runtimeApprovals(runtime) });
  const handler = createWebhookHandler(deps);
  const pr = ++number;

  /** Opens the pull request (a `labeled` event too with `labeled`), so the webhook starts its runs; answers their ids. */
  async function open(action = 'opened'): Promise<string> {
    const { payload } = exampleDelivery(`pull_request.${action}`);
    payload.number = pr;
    (payload.pull_request as any).number = pr;
    payload.installation = { id: 7 };
    const request = await signedRequest('pull_request', payload);
    expect((await handler(proxyEventOf(request))).statusCode).toBe(202);
    return runIdFor(request.delivery, action === 'labeled' ? 'deploy' : 'review');
  }

  /** The approval step of the run reaches its task: its token is stored and it waits. */
  async function wait(runId: string, step: string, token: string) {
    await callStep(builtIn('approval', { step, run: runContext(runId), config: { timeout_seconds: 3600 }, input: { message: `${step}?` }, token }), runtime);
  }

  async function comment(body: string, login = 'maintainer') {
    const { payload } = exampleDelivery('issue_comment.created');
    const issue = payload.issue as any;
    issue.number = pr;
    issue.pull_request = { url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${pr}` };
    (payload.comment as any).body = body;
    (payload.comment as any).user.login = login;
    payload.installation = { id: 7 };
    const result = await handler(proxyEventOf(await signedRequest('issue_comment', payload)));
    return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, any> };
  }

  return { open, wait, comment, deps };
}

describe('approvals by comment', () => {
  it("approves the pull request's waiting approval for someone with write access, as baton approve would", async () => {
    const { open, wait, comment } = setup();
    const runId = await open();
    await wait(runId, 'merge', `tok-${runId}`);

    const answer = await comment('/approve');

    expect(answer.status).toBe(202);
    expect(answer.body.approvals).toStrictEqual({ command: '/approve', by: 'maintainer', decided: [{ run_id: runId, workflow: 'review', step: 'merge', decision: 'approve' }] });
    expect(await harness.store.approvals.get(runId, { step: 'merge' })).toMatchObject({ decision: 'approve', decided_by: 'maintainer' });
    const outcome = await harness.store.tokens.outcome(`tok-${runId}`);
    expect(outcome).toMatchObject({ status: 'success', output: { status: 'succeeded', outputs: { approved_by: 'maintainer', comment: null } } });
    const permission = github.requests.find((r) => r.url.includes('/permission'))!;
    expect(permission.url).toBe('/repos/Codertocat/Hello-World/collaborators/maintainer/permission');
  });

  it('rejects with the rest of the comment as the reason', async () => {
    const { open, wait, comment } = setup();
    const runId = await open();
    await wait(runId, 'merge', `tok-${runId}`);

    const answer = await comment('/reject merge not ready\nthe tests are red', 'admin');

    expect(answer.body.approvals.decided).toStrictEqual([{ run_id: runId, workflow: 'review', step: 'merge', decision: 'reject' }]);
    expect(await harness.store.tokens.outcome(`tok-${runId}`)).toStrictEqual({ status: 'failure', error: 'ApprovalRejected', cause: 'rejected by admin: not ready\nthe tests are red' });
  });

  it('takes the words after /reject as the reason when they name no step', async () => {
    const { open, wait, comment } = setup();
    const runId = await open();
    await wait(runId, 'merge', `tok-${runId}`);

    await comment('/reject too risky');

    expect(await harness.store.approvals.get(runId, { step: 'merge' })).toMatchObject({ decision: 'reject', comment: 'too risky' });
  });

  it('refuses someone without write access, and decides nothing', async () => {
    const { open, wait, comment } = setup();
    const runId = await open();
    await wait(runId, 'merge', `tok-${runId}`);

    const answer = await comment('/approve', 'triager');

    expect(answer.status).toBe(200);
    expect(answer.body.approvals).toStrictEqual({ command: '/approve', by: 'triager', decided: [], refused: ['@triager has read access to Codertocat/Hello-World; deciding an approval takes write access'] });
    expect((await harness.store.approvals.get(runId, { step: 'merge' }))?.decision).toBeUndefined();
  });

  it('asks for the step when several approvals wait, and decides only the one named', async () => {
    const { open, wait, comment } = setup();
    const reviewRun = await open();
    const deployRun = await open('labeled');
    await wait(reviewRun, 'merge', `tok-${reviewRun}`);
    await wait(deployRun, 'deploy', `tok-${deployRun}`);

    const vague = await comment('/approve');
    const named = await comment('/approve deploy');

    expect(vague.body.approvals.refused[0]).toMatch(/^several approvals wait: name the step \(\/approve <step>\) \(waiting: /);
    expect(named.body.approvals.decided).toStrictEqual([{ run_id: deployRun, workflow: 'deploy', step: 'deploy', decision: 'approve' }]);
    expect((await harness.store.approvals.get(reviewRun, { step: 'merge' }))?.decision).toBeUndefined();
  });

  it('says when no run waits for the step named, or for anything', async () => {
    const { open, wait, comment } = setup();
    const none = await comment('/approve');
    const runId = await open();
    await wait(runId, 'merge', `tok-${runId}`);

    const unknown = await comment('/approve deploy');

    expect(none.body.approvals.refused).toStrictEqual([`no run of Codertocat/Hello-World#${number} waits for an approval`]);
    expect(unknown.body.approvals.refused).toStrictEqual([`no run of Codertocat/Hello-World#${number} waits for an approval of step 'deploy' (waiting: merge in run ${runId})`]);
  });

  it('leaves runs that have ended alone', async () => {
    const { open, wait, comment } = setup();
    const runId = await open();
    await wait(runId, 'merge', `tok-${runId}`);
    await harness.store.runs.update(runId, { status: 'cancelled', ended_at: new Date().toISOString() });

    const answer = await comment('/approve');

    expect(answer.body.approvals.refused[0]).toMatch(/waits for an approval$/);
  });

  it('says when a second decision comes too late', async () => {
    const { open, wait, comment } = setup();
    const runId = await open();
    await wait(runId, 'merge', `tok-${runId}`);
    await comment('/approve');

    const late = await comment('/reject merge', 'admin');

    expect(late.body.approvals.refused[0]).toMatch(/no run .* waits for an approval/);
  });

  it('needs GitHub credentials to check who comments', async () => {
    const deps = harness.deps([review], { approvals: { decide: async () => {} } });
    const { payload } = exampleDelivery('issue_comment.created');
    (payload.issue as any).pull_request = { url: 'x' };
    (payload.comment as any).body = '/approve';

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('issue_comment', payload)));

    expect(JSON.parse(result.body).approvals.refused[0]).toMatch(/^approvals by comment are not set up here/);
  });

  it('ignores approval commands on issues that are not pull requests', async () => {
    const deps = harness.deps([review], { github, approvals: { decide: async () => { throw new Error('must not decide'); } } });
    const { payload } = exampleDelivery('issue_comment.created');
    (payload.comment as any).body = '/approve';

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('issue_comment', payload)));

    expect(JSON.parse(result.body).approvals).toBeUndefined();
  });
});
