import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplesOf } from '../../../cli/github-examples.ts';
import { createWebhookHandler } from '../../../functions/github/webhook-handler.ts';
import { manifestOf } from '../../support/fake-starter.ts';
import { forgedDeliveries, hmac256 } from '../../support/forged-deliveries.ts';
import { proxyEventOf, SECRET, startWebhookHarness, type WebhookHarness } from '../../support/github-harness.ts';

const anyPullRequest = manifestOf(`
name: any-pr
on:
  github:
    - event: pull_request
    - event: push
    - event: issue_comment
steps:
  hello: { agent: echo, prompt: hi }
`);

let harness: WebhookHarness;

beforeAll(async () => {
  harness = await startWebhookHarness();
});

afterAll(async () => {
  await harness.stop();
});

const bodies = [
  ...examplesOf('pull_request', 'opened').slice(0, 2),
  ...examplesOf('push').filter((p) => p.deleted !== true).slice(0, 2),
  ...examplesOf('issue_comment', 'created').slice(0, 2),
].map((payload) => JSON.stringify(payload));

function eventFor(text: string): string {
  const payload = JSON.parse(text) as Record<string, unknown>;
  return payload.pull_request ? 'pull_request' : payload.comment ? 'issue_comment' : 'push';
}

describe('webhook: forged deliveries', () => {
  it('refuses every one of 1,200 forged deliveries, and starts nothing', async () => {
    const deps = harness.deps([anyPullRequest]);
    const handler = createWebhookHandler(deps);
    const forgeries = forgedDeliveries(SECRET, bodies, 1200);
    expect(new Set(forgeries.map((f) => f.kind)).size).toBeGreaterThanOrEqual(20);

    const accepted: string[] = [];
    for (const [i, forgery] of forgeries.entries()) {
      const request = {
        headers: { 'content-type': 'application/json', 'x-github-event': eventFor(bodies[i % bodies.length]), 'x-github-delivery': `forged-${i}`, ...forgery.headers },
        body: forgery.body,
      };
      const result = await handler(proxyEventOf(request, { base64: i % 2 === 0 }));
      if (result.statusCode !== 401 && result.statusCode !== 400) accepted.push(`${forgery.kind}: ${result.statusCode} ${result.body}`);
    }

    expect(accepted).toStrictEqual([]);
    expect(deps.starter.requests).toHaveLength(0);
    const { Items } = await harness.dynamo.doc.send(new ScanCommand({ TableName: harness.store.tableName }));
    expect(Items).toStrictEqual([]);
  });

  it('accepts the genuine deliveries the forgeries were made from', async () => {
    const deps = harness.deps([anyPullRequest]);
    const handler = createWebhookHandler(deps);

    for (const [i, text] of bodies.entries()) {
      const request = { headers: { 'content-type': 'application/json', 'x-github-event': eventFor(text), 'x-github-delivery': `genuine-${i}`, 'x-hub-signature-256': hmac256(SECRET, text) }, body: Buffer.from(text) };
      const result = await handler(proxyEventOf(request, { base64: i % 2 === 0 }));
      expect(result.statusCode, result.body).toBe(202);
    }
    expect(deps.starter.started).toBe(bodies.length);
  });
});
