import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign } from '@octokit/webhooks-methods';
import type { WorkflowManifest } from '../../compiler/manifest.ts';
import { githubClients } from '../../functions/github/github-client.ts';
import { GithubSecrets } from '../../functions/github/github-secrets.ts';
import type { ApprovalsPort } from '../../functions/github/ports.ts';
import type { WebhookRequest } from '../../functions/github/request.ts';
import { handleDelivery, type WebhookAnswer, type WebhookDeps } from '../../functions/github/webhook.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { CheckpointStore } from '../../functions/runtime/store/index.ts';
import { FakeStarter, workflowsOf } from './fake-starter.ts';
import type { FakeGithub } from './fake-github.ts';
import type { TestServer } from './http-server.ts';
import { startDynalite, type LocalDynamo } from './start-dynalite.ts';

export const SECRET = "It's a Secret to Everybody";

/** A request as GitHub sends a delivery: JSON body, event and delivery headers, signed with `secret`. */
export async function signedRequest(
  event: string,
  payload: unknown,
  options: { delivery?: string; secret?: string; headers?: Record<string, string | string[]> } = {},
): Promise<WebhookRequest & { delivery: string; text: string }> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const delivery = options.delivery ?? randomUUID();
  return {
    delivery,
    text,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'GitHub-Hookshot/044aadd',
      'X-GitHub-Event': event,
      'X-GitHub-Delivery': delivery,
      'X-GitHub-Hook-ID': '292430182',
      'X-Hub-Signature-256': await sign(options.secret ?? SECRET, text),
      ...options.headers,
    },
    body: Buffer.from(text, 'utf8'),
  };
}

/** The API Gateway REST proxy event for a request (base64 body when `base64`). */
export function proxyEventOf(request: WebhookRequest, options: { base64?: boolean } = {}) {
  const bytes = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : Buffer.from(request.body);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    headers[name] = values.at(-1)!;
    multiValueHeaders[name] = values;
  }
  return {
    resource: '/github/webhook',
    path: '/github/webhook',
    httpMethod: 'POST',
    headers,
    multiValueHeaders,
    queryStringParameters: null,
    pathParameters: null,
    requestContext: { stage: 'prod', requestId: randomUUID() },
    body: options.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: options.base64 === true,
  };
}

export interface WebhookHarness {
  dynamo: LocalDynamo;
  store: CheckpointStore;
  logs: object[];
  /** Deps for the webhook over `workflows`, a fresh fake starter, and (with `github`) the fake GitHub as an App. */
  deps(workflows: WorkflowManifest[], overrides?: Partial<Omit<WebhookDeps, 'github'>> & { github?: FakeGithub | WebhookDeps['github']; env?: Record<string, string> }): WebhookDeps & { starter: FakeStarter };
  deliver(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookAnswer>;
  stop(): Promise<void>;
}

let tables = 0;

/** A dynalite with the Baton table, and webhook deps wired to it the way a host wires them. */
export async function startWebhookHarness(): Promise<WebhookHarness> {
  const dynamo = await startDynalite();
  const store = new CheckpointStore({ client: dynamo.doc, tableName: `baton-github-${++tables}` });
  await store.createTableIfMissing();
  const logs: object[] = [];
  return {
    dynamo,
    store,
    logs,
    deps(workflows, overrides = {}) {
      const { github, env, ...rest } = overrides;
      const fake = github && 'checkRuns' in github ? github : undefined;
      const secrets = new GithubSecrets(new EnvSecrets({ GITHUB_WEBHOOK_SECRET: SECRET, ...(fake ? { GITHUB_APP_ID: fake.app.id, GITHUB_APP_PRIVATE_KEY: fake.app.privateKey } : {}), ...env }));
      const clients = fake ? githubClients({ secrets, baseUrl: fake.url }) : (github as WebhookDeps['github']);
      return {
        secrets,
        store,
        starter: new FakeStarter(workflows, { store }),
        workflows: workflowsOf(workflows),
        ...(clients ? { github: clients } : {}),
        log: (event) => logs.push(event),
        ...rest,
      } as WebhookDeps & { starter: FakeStarter };
    },
    deliver: (request, deps) => handleDelivery(request, deps),
    stop: () => dynamo.stop(),
  };
}

/** An approvals port that records decisions instead of releasing tokens. */
export function recordingApprovals(): ApprovalsPort & { decisions: Array<{ runId: string; step: string; decision: string; by: string; comment?: string }> } {
  const decisions: Array<{ runId: string; step: string; decision: string; by: string; comment?: string }> = [];
  return {
    decisions,
    async decide(runId, step, decision, by, comment) {
      decisions.push({ runId, step, decision, by, ...(comment ? { comment } : {}) });
    },
  };
}

/**
 * The webhook on a local HTTP server, as `baton serve` will host it: the raw
 * body and headers of each POST go to the core as they came.
 */
export async function startWebhookServer(deps: WebhookDeps): Promise<TestServer> {
  return startRawServer(async (req, body, res) => {
    const answer = await handleDelivery({ headers: req.headers, body }, deps);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
}

/** An HTTP server that hands each request's body over as bytes (the recorded test server keeps text). */
async function startRawServer(handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: body.toString('utf8') });
      handle(req, body, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
