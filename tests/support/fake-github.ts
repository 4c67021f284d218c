import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, startHttpServer, type RecordedRequest, type TestServer } from './http-server.ts';

/** An attempt of a delivery as `GET /app/hook/deliveries` lists it. */
export interface FakeDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  status: string;
  event: string;
  action: string | null;
  duration: number;
  installation_id: number | null;
  repository_id: number | null;
}

export interface FakeGithub extends TestServer {
  /** Each check run as it stands after every PATCH, by id. */
  checkRuns: Map<number, Record<string, unknown>>;
  /** login → what the permission endpoint answers; unknown logins have `read`. */
  permissions: Map<string, { permission: string; role_name: string }>;
  /** The App's delivery attempts, newest first, as the delivery API lists them. */
  deliveries: FakeDelivery[];
  /** Ids passed to `POST /app/hook/deliveries/{id}/attempts`, in order. */
  redelivered: number[];
  /** Installation tokens handed out, by installation id. */
  tokens: Map<number, string>;
  /** Answers this instead, for requests it matches (a GitHub outage, a 403). */
  failWith?: (req: RecordedRequest) => { status: number; body: unknown } | undefined;
  /** The App's id and private key (PKCS#1 PEM, as GitHub hands it out); JWTs must verify with it. */
  app: { id: string; privateKey: string };
}

/**
 * GitHub's REST API, the few endpoints Baton calls, on a local node:http
 * server: installation tokens for a real App JWT (verified with the App's
 * public key), check runs, collaborator permission, webhook deliveries (paged
 * with a cursor in the Link header, as GitHub pages them) and redelivery. It
 * records every request; tests never reach the internet.
 */
export async function startFakeGithub(): Promise<FakeGithub> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const app = { id: '4242', privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
  const state = {
    checkRuns: new Map<number, Record<string, unknown>>(),
    permissions: new Map<string, { permission: string; role_name: string }>(),
    deliveries: [] as FakeDelivery[],
    redelivered: [] as number[],
    tokens: new Map<number, string>(),
    failWith: undefined as FakeGithub['failWith'],
  };
  let nextCheckRun = 1000;

  const server = await startHttpServer((req, res) => {
    const failure = fake.failWith?.(req);
    if (failure) return sendJson(res, failure.status, failure.body);
    const url = new URL(req.url, 'http://github.test');
    const path = url.pathname;
    const route = (method: string, pattern: RegExp) => (req.method === method ? pattern.exec(path) : null);
    let m: RegExpExecArray | null;

    if ((m = route('POST', /^\/app\/installations\/(\d+)\/access_tokens$/))) {
      if (!isAppJwt(req, publicKey, app.id)) return unauthorized(res);
      const token = `ghs_installation_${m[1]}_${fake.tokens.size + 1}`;
      fake.tokens.set(Number(m[1]), token);
      return sendJson(res, 201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { checks: 'write' }, repository_selection: 'all' });
    }
    if (path.startsWith('/app/')) {
      if (!isAppJwt(req, publicKey, app.id)) return unauthorized(res);
    } else if (!isToken(req, fake.tokens)) {
      return unauthorized(res);
    }
    if ((m = route('POST', /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/))) {
      const id = nextCheckRun++;
      const run = { id, owner: m[1], repo: m[2], ...JSON.parse(req.body) };
      fake.checkRuns.set(id, run);
      return sendJson(res, 201, run);
    }
    if ((m = route('PATCH', /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/))) {
      const run = fake.checkRuns.get(Number(m[3]));
      if (!run) return sendJson(res, 404, { message: 'Not Found' });
      Object.assign(run, JSON.parse(req.body));
      return sendJson(res, 200, run);
    }
    if ((m = route('GET', /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/))) {
      const login = decodeURIComponent(m[3]);
      const found = fake.permissions.get(login) ?? { permission: 'read', role_name: 'read' };
      return sendJson(res, 200, { ...found, user: { login } });
    }
    if (route('GET', /^\/app\/hook\/deliveries$/)) {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const offset = Number(url.searchParams.get('cursor') ?? 0);
      const page = fake.deliveries.slice(offset, offset + perPage);
      const headers: Record<string, string> = {};
      if (offset + perPage < fake.deliveries.length) {
        headers.link = `<${server.url}/app/hook/deliveries?per_page=${perPage}&cursor=${offset + perPage}>; rel="next"`;
      }
      return sendJson(res, 200, page, headers);
    }
    if ((m = route('POST', /^\/app\/hook\/deliveries\/(\d+)\/attempts$/))) {
      fake.redelivered.push(Number(m[1]));
      return sendJson(res, 202, {});
    }
    return sendJson(res, 404, { message: 'Not Found' });
  });

  const fake: FakeGithub = Object.assign(server, state, { app });
  return fake;
}

function unauthorized(res: ServerResponse) {
  sendJson(res, 401, { message: 'Bad credentials' });
}

/** A real RS256 App JWT: signed by the App's key, issued by its id, not expired. */
function isAppJwt(req: RecordedRequest, publicKey: KeyObject, appId: string): boolean {
  const match = /^bearer (.+)$/i.exec(String(req.headers.authorization ?? ''));
  const parts = match?.[1].split('.') ?? [];
  if (parts.length !== 3) return false;
  const [header, payload, signature] = parts;
  const signed = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'));
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown; exp?: number };
  return signed && String(claims.iss) === appId && (claims.exp ?? 0) * 1000 > Date.now();
}

/** An installation token this server handed out, or any plain token (`token …`/`Bearer …`) that is not a JWT. */
function isToken(req: RecordedRequest, tokens: Map<number, string>): boolean {
  const match = /^(?:token|bearer) (.+)$/i.exec(String(req.headers.authorization ?? ''));
  if (!match) return false;
  const token = match[1];
  if (token.startsWith('ghs_installation_')) return [...tokens.values()].includes(token);
  return token.split('.').length !== 3;
}
