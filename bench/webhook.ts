/**
 * npm run bench:webhook — what one GitHub delivery costs the webhook, in
 * process: the Lambda handler called with API Gateway proxy events (base64
 * body), the store on dynalite (the local DynamoDB), an in-memory run starter,
 * no GitHub API calls. Warm figures (after a warm-up), figures only, never
 * pass/fail. GitHub gives a delivery 10 s; the target is p99 ≤ 50 ms.
 *
 *  - a signed pull_request.opened delivery that starts one run (claim, start,
 *    pull request index, completion: three conditional or plain writes);
 *  - the same delivery again (a duplicate: one failed claim and one read);
 *  - a forged delivery (refused at the signature: no store request).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sign } from '@octokit/webhooks-methods';
import { exampleDelivery } from '../cli/github-examples.ts';
import { createWebhookHandler } from '../functions/github/webhook-handler.ts';
import { manifestOf } from '../tests/support/fake-starter.ts';
import { proxyEventOf, SECRET, startWebhookHarness } from '../tests/support/github-harness.ts';
import { printTable } from './table.ts';

const WARMUP = 200;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2000);

const workflow = manifestOf(`
name: pr-review
on:
  github:
    - event: pull_request
      actions: [opened, synchronize]
      branches: [main, master]
      with:
        repository: \${{ trigger.payload.repository.full_name }}
        pr_number: \${{ trigger.payload.pull_request.number }}
inputs:
  repository: { type: string, required: true }
  pr_number: { type: integer, required: true }
steps:
  review: { agent: echo, prompt: review }
`);

const harness = await startWebhookHarness();
const handler = createWebhookHandler(harness.deps([workflow], { log: () => {} }));
const body = JSON.stringify(exampleDelivery('pull_request.opened').payload);
const signature = await sign(SECRET, body);

function event(delivery: string, signatureHeader = signature) {
  const headers = { 'Content-Type': 'application/json', 'X-GitHub-Event': 'pull_request', 'X-GitHub-Delivery': delivery, 'X-Hub-Signature-256': signatureHeader };
  return proxyEventOf({ headers, body: Buffer.from(body) }, { base64: true });
}

/** Milliseconds of each call, after `WARMUP` calls that are not counted. */
async function measure(expected: number, next: () => object): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const input = next();
    const start = performance.now();
    const result = await handler(input);
    const ms = performance.now() - start;
    if (result.statusCode !== expected) throw new Error(`expected ${expected}, got ${result.statusCode}: ${result.body}`);
    if (i >= WARMUP) times.push(ms);
  }
  return times.sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const row = (name: string, times: number[]) => [name, quantile(times, 0.5).toFixed(2), quantile(times, 0.99).toFixed(2), (times.reduce((a, b) => a + b, 0) / times.length).toFixed(2), String(times.length)];

const starts = await measure(202, () => event(randomUUID()));
const duplicate = randomUUID();
await handler(event(duplicate));
const duplicates = await measure(200, () => event(duplicate));
const forged = await measure(401, () => event(randomUUID(), `sha256=${'0'.repeat(64)}`));

console.log(`webhook, in process (Lambda handler, dynalite store, in-memory starter), ${body.length} B pull_request.opened, warm:\n`);
printTable(['delivery', 'p50 ms', 'p99 ms', 'mean ms', 'n'], [row('starts a run', starts), row('duplicate', duplicates), row('forged (401)', forged)]);
console.log(`\ntarget: p99 ≤ 50 ms for a delivery that starts a run → ${quantile(starts, 0.99) <= 50 ? 'met' : 'NOT met'}`);

await harness.stop();
