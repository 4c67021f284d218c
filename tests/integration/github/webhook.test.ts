import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleDelivery } from '../../../cli/github-examples.ts';
import { renderTemplate } from '../../../compiler/expr/index.ts';
import { runIdFor } from '../../../functions/github/run-ids.ts';
import { createWebhookHandler } from '../../../functions/github/webhook-handler.ts';
import { manifestOf } from '../../support/fake-starter.ts';
import { proxyEventOf, signedRequest, startWebhookHarness, type WebhookHarness } from '../../support/github-harness.ts';

const prReview = manifestOf(`
name: pr-review
on:
  github:
    - event: pull_request
      actions: [opened, synchronize, reopened]
      branches: [main, master]
      with:
        repository: \${{ trigger.payload.repository.full_name }}
        pr_number: \${{ trigger.payload.pull_request.number }}
inputs:
  repository: { type: string, required: true }
  pr_number: { type: integer, required: true }
concurrency:
  group: pr-\${{ inputs.repository }}-\${{ inputs.pr_number }}
  cancel_in_progress: true
steps:
  review: { agent: echo, prompt: "Review \${{ inputs.pr_number }}" }
`);

const prLint = manifestOf(`
name: pr-lint
on:
  github:
    - event: pull_request
      with: { number: "\${{ trigger.payload.pull_request.number }}" }
inputs:
  number: { type: integer }
concurrency:
  group: pr-\${{ trigger.payload.pull_request.number }}
  cancel_in_progress: true
steps:
  lint: { agent: echo, prompt: lint }
`);

const onPush = manifestOf(`
name: on-push
on:
  github:
    - event: push
      branches: [master]
      with:
        sha: \${{ trigger.payload.after }}
        pusher: \${{ trigger.payload.pusher.name }}
inputs:
  sha: { type: string, required: true }
  pusher: { type: string }
steps:
  build: { agent: echo, prompt: build }
`);

const commentReview = manifestOf(`
name: comment-review
on:
  github:
    - event: issue_comment
      command: /review
      with:
        issue: \${{ trigger.payload.issue.number }}
        body: \${{ trigger.payload.comment.body }}
inputs:
  issue: { type: integer, required: true }
  body: { type: string }
steps:
  review: { agent: echo, prompt: review }
`);

const all = [prReview, prLint, onPush, commentReview];

let harness: WebhookHarness;

beforeAll(async () => {
  harness = await startWebhookHarness();
});

afterAll(async () => {
  await harness.stop();
});

function json(result: { body: string }) {
  return JSON.parse(result.body) as Record<string, any>;
}

describe('webhook: real deliveries through the Lambda handler', () => {
  it('starts the matching workflows for a pull_request, with inputs from with: and the trigger', async () => {
    const deps = harness.deps(all);
    const { payload } = exampleDelivery('pull_request.opened');
    const request = await signedRequest('pull_request', payload);

    const result = await createWebhookHandler(deps)(proxyEventOf(request, { base64: true }));

    expect(result.statusCode).toBe(202);
    expect(result.headers['content-type']).toBe('application/json');
    const body = json(result);
    expect(body.matched).toStrictEqual(['pr-review', 'pr-lint']);
    expect(body.started.map((s: any) => [s.workflow, s.run_id])).toStrictEqual([
      ['pr-lint', runIdFor(request.delivery, 'pr-lint')],
      ['pr-review', runIdFor(request.delivery, 'pr-review')],
    ]);
    expect(body.refused).toStrictEqual([]);
    const review = deps.starter.requests.find((r) => r.workflow === 'pr-review')!;
    expect(review).toStrictEqual({
      workflow: 'pr-review',
      inputs: { repository: 'Codertocat/Hello-World', pr_number: 2 },
      run_id: runIdFor(request.delivery, 'pr-review'),
      trigger: { event: 'pull_request', action: 'opened', delivery: request.delivery, payload },
    });
  });

  it('starts the push workflow for a push to its branch, and nothing else', async () => {
    const deps = harness.deps(all);
    const { payload } = exampleDelivery('push');
    payload.ref = 'refs/heads/master';

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('push', payload)));

    expect(result.statusCode).toBe(202);
    expect(json(result).started.map((s: any) => s.workflow)).toStrictEqual(['on-push']);
    expect(deps.starter.requests[0].inputs).toStrictEqual({ sha: payload.after, pusher: 'Codertocat' });
  });

  it('starts the command workflow for an issue comment that starts with its command', async () => {
    const deps = harness.deps(all);
    const { payload } = exampleDelivery('issue_comment.created');
    (payload.comment as any).body = '/review the docs too';

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('issue_comment', payload)));

    expect(result.statusCode).toBe(202);
    expect(json(result).started.map((s: any) => s.workflow)).toStrictEqual(['comment-review']);
    expect(deps.starter.requests[0].inputs).toStrictEqual({ issue: 1, body: '/review the docs too' });
  });

  it('answers 200 and starts nothing for a comment without the command', async () => {
    const deps = harness.deps(all);
    const { payload } = exampleDelivery('issue_comment.created');

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('issue_comment', payload)));

    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({ event: 'issue_comment', action: 'created', matched: [], started: [], refused: [] });
    expect(deps.starter.requests).toStrictEqual([]);
  });
});

describe('webhook: answers', () => {
  it('answers a ping with 200 and records nothing', async () => {
    const deps = harness.deps(all);
    const { payload } = exampleDelivery('ping');
    const request = await signedRequest('ping', payload);

    const result = await createWebhookHandler(deps)(proxyEventOf(request));

    expect(result.statusCode).toBe(200);
    expect(json(result).message).toMatch(/pong/);
    expect(await harness.store.deliveries.get(request.delivery)).toBeUndefined();
  });

  it('refuses a form-encoded webhook with 415, saying to choose application/json', async () => {
    const deps = harness.deps(all);
    const text = `payload=${encodeURIComponent(JSON.stringify(exampleDelivery('push').payload))}`;
    const request = await signedRequest('push', text, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });

    const result = await createWebhookHandler(deps)(proxyEventOf(request));

    expect(result.statusCode).toBe(415);
    expect(json(result).message).toMatch(/choose Content type application\/json in the webhook's settings/);
  });

  it('refuses a body over the limit with 413', async () => {
    const deps = harness.deps(all, { maxBodyBytes: 1000 });
    const request = await signedRequest('push', exampleDelivery('push').payload);

    const result = await createWebhookHandler(deps)(proxyEventOf(request));

    expect(result.statusCode).toBe(413);
    expect(json(result).message).toMatch(/^the delivery is \d+ bytes; Baton takes at most 1000/);
  });

  it('takes exactly 10 MB by default, and refuses one byte more', async () => {
    const deps = harness.deps(all);
    const limit = 10 * 1024 * 1024;
    const padded = (size: number) => {
      const head = '{"zen":"';
      return `${head}${'x'.repeat(size - head.length - 2)}"}`;
    };

    const atLimit = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('push', padded(limit))));
    const over = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('push', padded(limit + 1))));

    expect(atLimit.statusCode).toBe(200);
    expect(over.statusCode).toBe(413);
  });

  it('refuses a signed body that is not JSON with 400', async () => {
    const deps = harness.deps(all);

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('push', '{"ref": ')));

    expect(result.statusCode).toBe(400);
    expect(json(result)).toMatchObject({ error: 'bad_json' });
  });

  it('reads headers in any case', async () => {
    const deps = harness.deps(all);
    const { payload } = exampleDelivery('pull_request.opened');
    const request = await signedRequest('pull_request', payload);
    const shouted = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toUpperCase(), value]));
    const lower = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));

    const first = await createWebhookHandler(deps)(proxyEventOf({ ...request, headers: shouted }));
    const second = await createWebhookHandler(deps)(proxyEventOf({ ...request, headers: lower }));

    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(200);
    expect(json(second).duplicate).toBe(true);
  });

  it('says which delivery header is missing', async () => {
    const deps = harness.deps(all);
    const request = await signedRequest('push', exampleDelivery('push').payload);
    delete request.headers['X-GitHub-Event'];

    const result = await createWebhookHandler(deps)(proxyEventOf(request));

    expect(result.statusCode).toBe(400);
    expect(json(result).message).toMatch(/X-GitHub-Event/);
  });

  it('answers 500 with a clear message, not a stack, when the webhook secret is not set', async () => {
    const deps = harness.deps(all, { env: { GITHUB_WEBHOOK_SECRET: '' } });

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('push', exampleDelivery('push').payload)));

    expect(result.statusCode).toBe(500);
    expect(json(result)).toStrictEqual({ error: 'setup', message: expect.stringMatching(/^Baton has no webhook secret: set GITHUB_WEBHOOK_SECRET/) });
  });

  it('answers 400 to an event that is not an API Gateway request', async () => {
    const result = await createWebhookHandler(harness.deps(all))({ body: 42 });

    expect(result.statusCode).toBe(400);
  });
});

describe('webhook: duplicates', () => {
  it('starts one run for a delivery sent five times in a row, and answers the duplicates with the first answer', async () => {
    const deps = harness.deps(all);
    const request = await signedRequest('pull_request', exampleDelivery('pull_request.opened').payload);
    const handler = createWebhookHandler(deps);

    const results = [];
    for (let i = 0; i < 5; i++) results.push(await handler(proxyEventOf(request)));

    expect(results.map((r) => r.statusCode)).toStrictEqual([202, 200, 200, 200, 200]);
    expect(deps.starter.requests).toHaveLength(2);
    const first = json(results[0]);
    for (const duplicate of results.slice(1)) expect(json(duplicate)).toStrictEqual({ ...first, duplicate: true });
  });

  it('starts one run for a delivery sent 20 times at once', async () => {
    const deps = harness.deps([prReview]);
    const request = await signedRequest('pull_request', exampleDelivery('pull_request.opened').payload);
    const handler = createWebhookHandler(deps);

    const results = await Promise.all(Array.from({ length: 20 }, () => handler(proxyEventOf(request))));

    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.every((s) => s === 202 || s === 200 || s === 409)).toBe(true);
    expect(deps.starter.requests).toHaveLength(1);
    expect(deps.starter.started).toBe(1);
  });

  it('finishes a delivery that failed half way when it is redelivered, without starting anything twice', async () => {
    const deps = harness.deps(all);
    let down = true;
    deps.starter.failWith = (r) => (down && r.workflow === 'pr-lint' ? new Error('connect ECONNREFUSED') : undefined);
    const request = await signedRequest('pull_request', exampleDelivery('pull_request.opened').payload);
    const handler = createWebhookHandler(deps);

    const failed = await handler(proxyEventOf(request));
    down = false;
    const redelivered = await handler(proxyEventOf(request));

    expect(failed.statusCode).toBe(500);
    expect(json(failed)).toMatchObject({ error: 'start_failed', started: [{ workflow: 'pr-review' }] });
    expect(json(failed).message).toMatch(/ECONNREFUSED.*a redelivery starts the rest/);
    expect(redelivered.statusCode).toBe(202);
    expect(json(redelivered).started.map((s: any) => s.run_id)).toStrictEqual([runIdFor(request.delivery, 'pr-lint'), runIdFor(request.delivery, 'pr-review')]);
    expect(deps.starter.started).toBe(2);
  });

  it('takes over the claim of a request that died, once it is stale', async () => {
    const deps = harness.deps([prReview]);
    const request = await signedRequest('pull_request', exampleDelivery('pull_request.opened').payload);
    const claimedAt = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
    const deadClaim = (seconds: number) =>
      harness.dynamo.doc.send(
        new PutCommand({ TableName: harness.store.tableName, Item: { pk: `DELIVERY#${request.delivery}`, sk: 'DELIVERY', item_type: 'delivery', delivery_id: request.delivery, event: 'pull_request', state: 'claimed', claim_id: 'dead', claimed_at: claimedAt(seconds) } }),
      );
    const handler = createWebhookHandler(deps);

    await deadClaim(5);
    const fresh = await handler(proxyEventOf(request));
    await deadClaim(120);
    const stale = await handler(proxyEventOf(request));

    expect(fresh.statusCode).toBe(409);
    expect(stale.statusCode).toBe(202);
    expect(deps.starter.started).toBe(1);
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'github.delivery', delivery: request.delivery, taken_over: true }));
  });
});

describe('webhook: trust and refusals', () => {
  it('starts nothing for an untrusted author, and says so', async () => {
    const deps = harness.deps(all);
    const { payload } = exampleDelivery('pull_request.opened');
    (payload.pull_request as any).author_association = 'FIRST_TIME_CONTRIBUTOR';

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('pull_request', payload)));

    expect(result.statusCode).toBe(200);
    const body = json(result);
    expect(body.matched).toStrictEqual(['pr-review', 'pr-lint']);
    expect(body.started).toStrictEqual([]);
    expect(body.refused).toStrictEqual([
      { workflow: 'pr-lint', reason: 'untrusted', message: 'author association FIRST_TIME_CONTRIBUTOR is not trusted by this trigger (authors: OWNER, MEMBER, COLLABORATOR)' },
      { workflow: 'pr-review', reason: 'untrusted', message: 'author association FIRST_TIME_CONTRIBUTOR is not trusted by this trigger (authors: OWNER, MEMBER, COLLABORATOR)' },
    ]);
    expect(deps.starter.requests).toStrictEqual([]);
  });

  it('refuses inputs that do not validate, with every problem, and inputs the event cannot give', async () => {
    const wrongTypes = manifestOf(`
name: wrong-types
on:
  github:
    - event: pull_request
      with: { count: "\${{ trigger.payload.pull_request.title }}", extra: 1 }
inputs:
  count: { type: integer }
steps:
  s: { agent: echo, prompt: x }
`);
    const missingPath = manifestOf(`
name: missing-path
on:
  github:
    - event: pull_request
      with: { body: "\${{ trigger.payload.comment.body }}", id: "\${{ trigger.payload.comment.id }}" }
inputs:
  body: { type: string }
  id: { type: integer }
steps:
  s: { agent: echo, prompt: x }
`);
    const deps = harness.deps([wrongTypes, missingPath]);

    const result = await createWebhookHandler(deps)(proxyEventOf(await signedRequest('pull_request', exampleDelivery('pull_request.opened').payload)));

    expect(result.statusCode).toBe(200);
    const [missing, wrong] = json(result).refused;
    expect(missing).toMatchObject({ workflow: 'missing-path', reason: 'inputs' });
    expect(missing.problems).toStrictEqual([expect.stringMatching(/^with\.body: trigger\.payload\.comment does not exist/), expect.stringMatching(/^with\.id: trigger\.payload\.comment does not exist/)]);
    expect(wrong).toMatchObject({ workflow: 'wrong-types', reason: 'inputs', message: 'the inputs do not validate' });
    expect(wrong.problems).toHaveLength(2);
    expect(wrong.problems.join('\n')).toMatch(/unknown input 'extra'/);
    expect(wrong.problems.join('\n')).toMatch(/input 'count'/);
    expect(deps.starter.started).toBe(0);
  });
});

describe('webhook: a new push to a pull request', () => {
  it('starts a new run whose concurrency group is the old run’s, so the starter can cancel the old one', async () => {
    const deps = harness.deps([prReview, prLint]);
    const opened = exampleDelivery('pull_request.opened').payload;
    const synchronize = exampleDelivery('pull_request.synchronize').payload;
    (synchronize.pull_request as any).head.sha = 'ffffffffffffffffffffffffffffffffffffffff';
    const handler = createWebhookHandler(deps);

    await handler(proxyEventOf(await signedRequest('pull_request', opened)));
    await handler(proxyEventOf(await signedRequest('pull_request', synchronize)));

    for (const manifest of [prReview, prLint]) {
      const requests = deps.starter.requests.filter((r) => r.workflow === manifest.name);
      expect(requests).toHaveLength(2);
      expect(requests[0].run_id).not.toBe(requests[1].run_id);
      expect((requests[1].trigger as any).action).toBe('synchronize');
      const groups = requests.map((r) => renderTemplate(manifest.concurrency!.group, { inputs: r.inputs as object, trigger: r.trigger }));
      expect(groups[0]).toBe(groups[1]);
      expect(groups[0]).toBe(manifest.name === 'pr-review' ? 'pr-Codertocat/Hello-World-2' : 'pr-2');
      expect(manifest.concurrency!.cancel_in_progress).toBe(true);
    }
  });

  it("notes each run under its pull request, for /approve comments", async () => {
    const deps = harness.deps([prReview]);
    const { payload } = exampleDelivery('pull_request.reopened');
    (payload.pull_request as any).number = 77;
    (payload as any).number = 77;
    const request = await signedRequest('pull_request', payload);

    await createWebhookHandler(deps)(proxyEventOf(request));

    expect((await harness.store.pullRequests.runs('codertocat/hello-world', 77)).map((r) => r.run_id)).toStrictEqual([runIdFor(request.delivery, 'pr-review')]);
  });
});

describe('webhook: what it keeps', () => {
  it('keeps neither the secret nor the signature in the store or the logs', async () => {
    const deps = harness.deps(all);
    const request = await signedRequest('pull_request', exampleDelivery('pull_request.opened').payload);
    await createWebhookHandler(deps)(proxyEventOf(request));
    await createWebhookHandler(deps)(proxyEventOf({ ...request, headers: { ...request.headers, 'X-Hub-Signature-256': `sha256=${'a'.repeat(64)}` } }));

    const { Items } = await harness.dynamo.doc.send(new ScanCommand({ TableName: harness.store.tableName }));
    const kept = JSON.stringify(Items) + JSON.stringify(harness.logs);
    expect(kept).not.toContain("It's a Secret to Everybody");
    expect(kept).not.toContain(String(request.headers['X-Hub-Signature-256']).slice(7));
    expect(kept).not.toContain('a'.repeat(64));
  });
});
