import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../cli/main.ts';
import { runIdFor } from '../../../functions/github/run-ids.ts';
import type { TestServer } from '../../support/http-server.ts';
import { closedPort } from '../../support/http-server.ts';
import { manifestOf, type FakeStarter } from '../../support/fake-starter.ts';
import { SECRET, startWebhookHarness, startWebhookServer, type WebhookHarness } from '../../support/github-harness.ts';

const BIN = join(import.meta.dirname, '../../../cli/bin.ts');

const prReview = manifestOf(`
name: pr-review
on:
  github:
    - event: pull_request
      actions: [opened]
      with: { pr_number: "\${{ trigger.payload.pull_request.number }}" }
inputs:
  pr_number: { type: integer, required: true }
steps:
  review: { agent: echo, prompt: review }
`);

let harness: WebhookHarness;
let server: TestServer;
let starter: FakeStarter;
let url: string;

beforeAll(async () => {
  harness = await startWebhookHarness();
  const deps = harness.deps([prReview]);
  starter = deps.starter;
  server = await startWebhookServer(deps);
  url = `${server.url}/github/webhook`;
});

afterAll(async () => {
  await server.close();
  await harness.stop();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Runs `baton ARGS` in this process; answers the exit code and what it printed. */
async function baton(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['node', 'baton', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('baton github replay', () => {
  it('signs a sample delivery as GitHub would, posts it, and prints the answer', async () => {
    vi.stubEnv('GITHUB_WEBHOOK_SECRET', SECRET);

    const result = await baton('github', 'replay', 'pull_request.opened', '--url', url, '--delivery', 'replay-1');

    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`pull_request replay-1 → ${url}: 202 Accepted\n`);
    const answer = JSON.parse(result.stdout);
    expect(answer.started).toStrictEqual([expect.objectContaining({ workflow: 'pr-review', run_id: runIdFor('replay-1', 'pr-review') })]);
    const posted = server.requests.at(-1)!;
    expect(posted.headers).toMatchObject({ 'x-github-event': 'pull_request', 'x-github-delivery': 'replay-1', 'content-type': 'application/json', 'x-hub-signature-256': expect.stringMatching(/^sha256=[0-9a-f]{64}$/) });
  });

  it('replays a delivery id a second time as GitHub redelivers it: nothing starts twice', async () => {
    vi.stubEnv('GITHUB_WEBHOOK_SECRET', SECRET);
    const before = starter.started;

    await baton('github', 'replay', 'pull_request.opened', '--url', url, '--delivery', 'replay-twice');
    const again = await baton('github', 'replay', 'pull_request.opened', '--url', url, '--delivery', 'replay-twice');

    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).duplicate).toBe(true);
    expect(starter.started).toBe(before + 1);
  });

  it('posts a JSON file byte for byte, with the event given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-replay-'));
    const file = join(dir, 'pr.json');
    const text = '{\n  "action": "opened",\n  "pull_request": { "number": 7, "base": { "ref": "main" }, "author_association": "OWNER" },\n  "repository": { "full_name": "o/r" }\n}\n';
    writeFileSync(file, text);

    const result = await baton('github', 'replay', file, '--event', 'pull_request', '--url', url, '--secret', SECRET);

    expect(result.code).toBe(0);
    expect(server.requests.at(-1)!.body).toBe(text);
    expect(starter.requests.at(-1)?.inputs).toStrictEqual({ pr_number: 7 });
  });

  it('exits 1 and prints the answer when the webhook refuses the delivery', async () => {
    vi.stubEnv('GITHUB_WEBHOOK_SECRET', 'not the secret');

    const result = await baton('github', 'replay', 'push', '--url', url);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/: 401 Unauthorized\n$/);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: 'signature', message: expect.stringMatching(/does not match/) });
  });

  it('exits 1 with one line when nothing listens at the URL', async () => {
    vi.stubEnv('GITHUB_WEBHOOK_SECRET', SECRET);

    const result = await baton('github', 'replay', 'push', '--url', `http://127.0.0.1:${await closedPort()}/github/webhook`);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^baton: nothing answered at http:\/\/127\.0\.0\.1:\d+\/github\/webhook \(ECONNREFUSED\): is baton serve running there\?/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['push'], /no webhook secret: set GITHUB_WEBHOOK_SECRET/],
    [['pull_request.nope', '--secret', 's'], /no sample payload for pull_request with action 'nope' \(known: opened, /],
    [['nosuchevent', '--secret', 's'], /no sample payload for event 'nosuchevent'/],
    [['missing.json', '--secret', 's'], /missing\.json: no such file/],
    [['push', '--secret', 's', '--url', 'ftp://x'], /--url ftp:\/\/x is not an http\(s\) URL/],
    [[join(import.meta.dirname, 'replay.test.ts'), '--secret', 's'], /say which event it is with --event/],
  ])('exits 2 for a wrong command line: %j', async (args, message) => {
    vi.stubEnv('GITHUB_WEBHOOK_SECRET', '');

    const result = await baton('github', 'replay', ...args);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('works as a real process, and lists itself under --help', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, GITHUB_WEBHOOK_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });

    const replay = await run(['github', 'replay', 'pull_request.opened', '--url', url]);
    const help = await run(['--help']);

    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout).started).toHaveLength(1);
    expect(help.stdout).toMatch(/github\s+work with the GitHub webhook locally/);
  });
});
