import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exampleDelivery } from '../../../cli/github-examples.ts';
import { awsGithub, GithubLambdaEnv } from '../../../functions/github/aws.ts';
import { checkRunUpdate, consoleUrl, reportRun, summaryOf } from '../../../functions/github/checks.ts';
import { readEnv } from '../../../functions/runtime/aws-deps.ts';
import { runIdFor } from '../../../functions/github/run-ids.ts';
import { createWebhookHandler } from '../../../functions/github/webhook-handler.ts';
import { manifestOf, StartInvalidError } from '../../support/fake-starter.ts';
import { startFakeGithub, type FakeGithub } from '../../support/fake-github.ts';
import { proxyEventOf, SECRET, signedRequest, startWebhookHarness, type WebhookHarness } from '../../support/github-harness.ts';

const prReview = manifestOf(`
name: pr-review
on:
  github:
    - event: pull_request
      with: { pr_number: "\${{ trigger.payload.pull_request.number }}" }
    - event: push
      with: { pr_number: 0 }
inputs:
  pr_number: { type: integer, required: true }
steps:
  review: { agent: echo, prompt: review }
`);

const secretsManager = mockClient(SecretsManagerClient);
let harness: WebhookHarness;
let github: FakeGithub;

beforeAll(async () => {
  harness = await startWebhookHarness();
  github = await startFakeGithub();
});

afterAll(async () => {
  secretsManager.restore();
  await github.close();
  await harness.stop();
});

afterEach(() => {
  github.failWith = undefined;
  github.requests.length = 0;
});

/** Secrets Manager holding `values` under `baton/NAME`; any other name does not exist. */
function secretsManagerWith(values: Record<string, string>) {
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
    const name = input.SecretId.replace(/^baton\//, '');
    if (values[name] !== undefined) return { SecretString: values[name] };
    throw Object.assign(new Error(`Secrets Manager can't find the specified secret.`), { name: 'ResourceNotFoundException' });
  });
}

/** Webhook deps as the Lambda builds them (Secrets Manager, GITHUB_API_URL), over the fake GitHub. */
function awsDeps(values: Record<string, string>) {
  secretsManagerWith({ GITHUB_WEBHOOK_SECRET: SECRET, ...values });
  const env = readEnv(GithubLambdaEnv, { BATON_TABLE: harness.store.tableName, GITHUB_API_URL: github.url });
  const { secrets, github: clients } = awsGithub(env, { secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
  return harness.deps([prReview], { secrets, github: clients });
}

const appSecrets = () => ({ GITHUB_APP_ID: github.app.id, GITHUB_APP_PRIVATE_KEY: github.app.privateKey });

/** A pull_request delivery from an App installation (the examples that carry `installation`). */
function pullRequest(): Record<string, any> {
  const { payload } = exampleDelivery('pull_request.opened');
  payload.installation = { id: 31, node_id: 'MDIz' };
  return payload;
}

describe('check runs: created with the run, updated as it goes', () => {
  it('creates a queued check run on the head SHA as the App installation, then marks it in progress with the console link', async () => {
    const deps = awsDeps(appSecrets());
    const payload = pullRequest();
    const request = await signedRequest('pull_request', payload);
    const runId = runIdFor(request.delivery, 'pr-review');

    const result = await createWebhookHandler(deps)(proxyEventOf(request));

    expect(result.statusCode).toBe(202);
    const calls = github.requests.map((r) => `${r.method} ${r.url}`);
    expect(calls).toStrictEqual(['POST /app/installations/31/access_tokens', 'POST /repos/Codertocat/Hello-World/check-runs', expect.stringMatching(/^PATCH \/repos\/Codertocat\/Hello-World\/check-runs\/\d+$/)]);
    const created = JSON.parse(github.requests[1].body);
    expect(created).toMatchObject({ name: 'baton/pr-review', head_sha: payload.pull_request.head.sha, status: 'queued', external_id: runId });
    const started = JSON.parse(github.requests[2].body);
    const arn = `arn:aws:states:eu-west-1:123456789012:execution:pr-review:${runId}`;
    expect(started).toMatchObject({
      status: 'in_progress',
      external_id: runId,
      details_url: `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
    });
    const read = secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(new Set(read)).toStrictEqual(new Set(['baton/GITHUB_WEBHOOK_SECRET', 'baton/GITHUB_APP_ID', 'baton/GITHUB_APP_PRIVATE_KEY']));
    const link = await harness.store.checkRuns.get(runId);
    expect(link).toMatchObject({ owner: 'Codertocat', repo: 'Hello-World', head_sha: payload.pull_request.head.sha, installation_id: 31, check_run_id: JSON.parse(result.body).started[0].check_run_id });
  });

  it('completes the check run with the conclusion and a table of the steps when the run ends', async () => {
    const deps = awsDeps(appSecrets());
    const request = await signedRequest('pull_request', pullRequest());
    const runId = runIdFor(request.delivery, 'pr-review');
    await createWebhookHandler(deps)(proxyEventOf(request));
    const link = (await harness.store.checkRuns.get(runId))!;

    const reported = await reportRun(
      { store: harness.store, github: deps.github! },
      { run_id: runId, workflow: 'pr-review', status: 'succeeded', execution_arn: 'arn:aws:states:us-east-2:123456789012:execution:pr-review:x', started_at: '2026-11-01T10:00:00.000Z', ended_at: '2026-11-01T10:03:05.000Z' },
      {
        review: { status: 'succeeded', attempts: 2, started_at: '2026-11-01T10:00:01.000Z', ended_at: '2026-11-01T10:02:00.000Z' },
        deploy: { status: 'skipped' },
      },
    );

    expect(reported).toBe(true);
    const check = github.checkRuns.get(link.check_run_id)!;
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success', completed_at: '2026-11-01T10:03:05.000Z', details_url: expect.stringContaining('us-east-2.console.aws.amazon.com') });
    expect((check.output as any).title).toBe('succeeded');
    expect((check.output as any).summary).toBe(
      [`Run \`${runId}\` of **pr-review**: succeeded in 3m 05s.`, '', '| Step | Status | Duration |', '| --- | --- | --- |', '| review | succeeded (2 attempts) | 1m 59s |', '| deploy | skipped |  |'].join('\n'),
    );
  });

  it('creates no second check run when a delivery is handled again (a claim taken over)', async () => {
    const deps = awsDeps(appSecrets());
    const request = await signedRequest('pull_request', pullRequest());
    const handler = createWebhookHandler(deps);
    const created = () => github.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/check-runs')).length;
    await handler(proxyEventOf(request));
    expect(created()).toBe(1);

    // As after a request that died before recording the delivery as done.
    await harness.dynamo.doc.send(new DeleteCommand({ TableName: harness.store.tableName, Key: { pk: `DELIVERY#${request.delivery}`, sk: 'DELIVERY' } }));
    const again = await handler(proxyEventOf(request));

    expect(again.statusCode).toBe(202);
    expect(created()).toBe(1);
    expect(deps.starter.started).toBe(1);
  });

  it('fails the check run, with every problem, when the starter refuses the inputs', async () => {
    const deps = awsDeps(appSecrets());
    deps.starter.failWith = () => new StartInvalidError(["input 'pr_number' is -1; expected at least 1", "unknown input 'x'"]);
    const request = await signedRequest('pull_request', pullRequest());

    const result = await createWebhookHandler(deps)(proxyEventOf(request));

    expect(JSON.parse(result.body).refused).toStrictEqual([{ workflow: 'pr-review', reason: 'inputs', message: 'the inputs do not validate', problems: ["input 'pr_number' is -1; expected at least 1", "unknown input 'x'"] }]);
    const link = (await harness.store.checkRuns.get(runIdFor(request.delivery, 'pr-review')))!;
    const check = github.checkRuns.get(link.check_run_id)!;
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect((check.output as any).summary).toContain("input 'pr_number' is -1; expected at least 1\nunknown input 'x'");
  });

  it('opens no check run for an untrusted author', async () => {
    const deps = awsDeps(appSecrets());
    const payload = pullRequest();
    payload.pull_request.author_association = 'NONE';

    await createWebhookHandler(deps)(proxyEventOf(await signedRequest('pull_request', payload)));

    expect(github.requests).toStrictEqual([]);
  });

  it('still starts the run when GitHub refuses the check run, and logs why without any credential', async () => {
    const deps = awsDeps(appSecrets());
    github.failWith = (req) => (req.url.includes('/check-runs') ? { status: 503, body: { message: 'Service Unavailable' } } : undefined);
    const request = await signedRequest('pull_request', pullRequest());

    const result = await createWebhookHandler(deps)(proxyEventOf(request));

    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body).started[0].check_run_id).toBeUndefined();
    expect(harness.logs).toContainEqual({ event: 'github.check_run_failed', run_id: runIdFor(request.delivery, 'pr-review'), step: 'create', error: expect.stringMatching(/^GitHub answered 503/) });
    const logs = JSON.stringify(harness.logs);
    expect(logs).not.toContain('PRIVATE KEY');
    expect(logs).not.toContain('ghs_installation');
  });

  it('uses a plain token when there is no App, for a push on its after SHA', async () => {
    const deps = awsDeps({ GITHUB_TOKEN: 'ghp_plainToken123' });
    const { payload } = exampleDelivery('push');
    payload.ref = 'refs/heads/master';

    await createWebhookHandler(deps)(proxyEventOf(await signedRequest('push', payload)));

    const create = github.requests.find((r) => r.url.endsWith('/check-runs'))!;
    expect(create.headers.authorization).toBe('token ghp_plainToken123');
    expect(JSON.parse(create.body)).toMatchObject({ head_sha: payload.after, status: 'queued' });
  });

  it('leaves a run that has no check run alone', async () => {
    const deps = awsDeps(appSecrets());

    expect(await reportRun({ store: harness.store, github: deps.github! }, { run_id: 'not-from-github', workflow: 'x', status: 'failed' })).toBe(false);
    expect(github.requests).toStrictEqual([]);
  });
});

describe('check runs: what they show', () => {
  const now = new Date('2026-11-01T12:00:00.000Z');
  const run = (status: string) => ({ run_id: 'r1', workflow: 'wf', status, started_at: '2026-11-01T11:00:00.000Z' });

  it.each([
    ['succeeded', 'success'],
    ['failed', 'failure'],
    ['cancelled', 'cancelled'],
    ['timed_out', 'timed_out'],
    ['skipped', 'neutral'],
  ])('concludes a %s run with %s', (status, conclusion) => {
    expect(checkRunUpdate(run(status), {}, now)).toMatchObject({ status: 'completed', conclusion, completed_at: now.toISOString() });
  });

  it.each([
    ['running', 'in_progress'],
    ['paused', 'in_progress'],
    ['pending', 'queued'],
  ])('shows a %s run as %s', (status, shown) => {
    const update = checkRunUpdate(run(status), {}, now);
    expect(update.status).toBe(shown);
    expect('conclusion' in update).toBe(false);
  });

  it("links only Step Functions executions to the console", () => {
    expect(consoleUrl('arn:aws:states:ap-southeast-2:123456789012:execution:wf:r1')).toBe(
      'https://ap-southeast-2.console.aws.amazon.com/states/home?region=ap-southeast-2#/v2/executions/details/arn:aws:states:ap-southeast-2:123456789012:execution:wf:r1',
    );
    expect(consoleUrl('arn:baton:local:execution:wf.yaml:r1:1')).toBeUndefined();
    expect(consoleUrl(undefined)).toBeUndefined();
  });

  it('names the failed step and its error, fenced so the cause cannot break the Markdown', () => {
    const summary = summaryOf({ ...run('failed'), ended_at: '2026-11-01T11:00:42.000Z', error: { step: 'merge', name: 'HttpError', cause: 'PUT /merge: 405\n```\n| not a row |' } }, { merge: { status: 'failed' } }, now);

    expect(summary).toBe(['Run `r1` of **wf**: failed in 42s.', '', 'Step `merge`: HttpError', '', '````', 'PUT /merge: 405\n```\n| not a row |', '````', '', '| Step | Status | Duration |', '| --- | --- | --- |', '| merge | failed |  |'].join('\n'));
    expect(checkRunUpdate({ ...run('failed'), error: { step: 'merge', name: 'HttpError', cause: 'x' } }, {}, now).output.title).toBe('failed at merge');
  });
});
