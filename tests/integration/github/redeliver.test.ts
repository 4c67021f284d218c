import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { githubClients } from '../../../functions/github/github-client.ts';
import { GithubSecrets } from '../../../functions/github/github-secrets.ts';
import { createRedeliverHandler } from '../../../functions/github/redeliver-handler.ts';
import { EnvSecrets } from '../../../functions/runtime/secrets.ts';
import { startFakeGithub, type FakeDelivery, type FakeGithub } from '../../support/fake-github.ts';

const NOW = new Date('2026-11-01T12:00:00.000Z');
let github: FakeGithub;

beforeAll(async () => {
  github = await startFakeGithub();
});

afterAll(async () => {
  await github.close();
});

afterEach(() => {
  github.failWith = undefined;
  github.requests.length = 0;
  github.redelivered.length = 0;
});

let nextId = 1;
function attempt(guid: string, minutesAgo: number, status_code: number, redelivery = false): FakeDelivery {
  return {
    id: nextId++,
    guid,
    delivered_at: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
    redelivery,
    status_code,
    status: status_code === 0 ? 'timed out' : String(status_code),
    event: 'pull_request',
    action: 'opened',
    duration: 0.3,
    installation_id: 1,
    repository_id: 2,
  };
}

/** Newest first, as GitHub lists them. */
function listed(attempts: FakeDelivery[]): FakeDelivery[] {
  return [...attempts].sort((a, b) => b.delivered_at.localeCompare(a.delivered_at) || b.id - a.id);
}

function handlerFor(env: Record<string, string>) {
  const clients = githubClients({ secrets: new GithubSecrets(new EnvSecrets(env)), baseUrl: github.url });
  const logs: object[] = [];
  return { handler: createRedeliverHandler({ github: clients, now: () => NOW, log: (e) => logs.push(e) }), logs };
}

const app = () => ({ GITHUB_APP_ID: github.app.id, GITHUB_APP_PRIVATE_KEY: github.app.privateKey });

describe('redelivery: failed deliveries of the last hour', () => {
  it('redelivers each delivery whose latest attempt failed, once, paging through the list as the App', async () => {
    const a = attempt('a', 10, 500);
    const b = [attempt('b', 20, 502), attempt('b', 15, 202, true)];
    const c = attempt('c', 5, 202);
    const d = attempt('d', 30, 0);
    const e = [attempt('e', 50, 500), attempt('e', 40, 500, true), attempt('e', 30, 500, true)];
    const f = [attempt('f', 120, 500), attempt('f', 30, 401, true)];
    const g = [attempt('g', 45, 503), attempt('g', 25, 504, true)];
    const h = attempt('h', 8, 302);
    const fillers = Array.from({ length: 250 }, (_, i) => attempt(`ok-${i}`, 1 + (i % 55), 200));
    const old = Array.from({ length: 150 }, (_, i) => attempt(`old-${i}`, 61 + i, 500));
    github.deliveries = listed([a, ...b, c, d, ...e, ...f, ...g, h, ...fillers, ...old]);
    const { handler, logs } = handlerFor(app());

    const report = await handler({ source: 'aws.scheduler' });

    expect(report).toMatchObject({
      redelivered: expect.arrayContaining([
        { guid: 'a', id: a.id, event: 'pull_request', status_code: 500 },
        { guid: 'd', id: d.id, event: 'pull_request', status_code: 0 },
        { guid: 'g', id: g[1].id, event: 'pull_request', status_code: 504 },
      ]),
      gave_up: [{ guid: 'e', attempts: 3 }],
      errors: [],
    });
    expect((report as { redelivered: unknown[] }).redelivered).toHaveLength(3);
    expect([...github.redelivered].sort((x, y) => x - y)).toStrictEqual([a.id, d.id, g[1].id].sort((x, y) => x - y));
    const pages = github.requests.filter((r) => r.url.startsWith('/app/hook/deliveries?'));
    // 262 attempts are within the hour: the third page reaches past it, and there the listing stops.
    expect(pages.map((r) => r.url)).toStrictEqual(['/app/hook/deliveries?per_page=100', '/app/hook/deliveries?per_page=100&cursor=100', '/app/hook/deliveries?per_page=100&cursor=200']);
    expect(pages.every((r) => /^bearer ey/i.test(String(r.headers.authorization)))).toBe(true);
    expect(logs).toContainEqual({ event: 'github.redelivery', examined: 262, redelivered: 3, gave_up: 1, errors: 0 });
  });

  it('stops paging at the first attempt older than the window', async () => {
    github.deliveries = listed([attempt('new', 1, 500), ...Array.from({ length: 250 }, (_, i) => attempt(`older-${i}`, 70 + i, 500))]);
    const { handler } = handlerFor(app());

    await handler({});

    expect(github.requests.filter((r) => r.url.startsWith('/app/hook/deliveries?'))).toHaveLength(1);
    expect(github.redelivered).toHaveLength(1);
  });

  it('goes on when GitHub refuses one redelivery, and reports it', async () => {
    const x = attempt('x', 3, 500);
    const y = attempt('y', 4, 500);
    github.deliveries = listed([x, y]);
    github.failWith = (req) => (req.url === `/app/hook/deliveries/${x.id}/attempts` ? { status: 422, body: { message: 'Validation Failed' } } : undefined);
    const { handler } = handlerFor(app());

    const report = await handler({});

    expect(report).toMatchObject({ redelivered: [{ guid: 'y' }], errors: [{ guid: 'x', id: x.id, message: 'GitHub answered 422: Validation Failed' }] });
  });

  it('says plainly that a token cannot list deliveries', async () => {
    const { handler, logs } = handlerFor({ GITHUB_TOKEN: 'ghp_x' });

    const report = await handler({});

    expect(report).toStrictEqual({ error: 'webhook deliveries can only be listed as a GitHub App: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY' });
    expect(logs).toStrictEqual([{ event: 'github.redelivery_unavailable', message: (report as { error: string }).error }]);
    expect(github.requests).toStrictEqual([]);
  });

  it('as deployed (appOnly), never asks for GITHUB_TOKEN, which its role may not read, and says the App is missing', async () => {
    const asked: string[] = [];
    const env = new EnvSecrets({ GITHUB_TOKEN: 'ghp_x' });
    const secrets = new GithubSecrets({ get: (name) => (asked.push(name), env.get(name)) });
    const logs: object[] = [];
    const handler = createRedeliverHandler({ github: githubClients({ secrets, baseUrl: github.url, appOnly: true }), now: () => NOW, log: (e) => logs.push(e) });

    const report = await handler({});

    expect(report).toStrictEqual({ error: 'webhook deliveries can only be listed as a GitHub App: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY' });
    expect(asked.sort()).toStrictEqual(['GITHUB_APP_ID', 'GITHUB_APP_PRIVATE_KEY']);
    expect(logs).toHaveLength(1);
    expect(github.requests).toStrictEqual([]);
  });
});
