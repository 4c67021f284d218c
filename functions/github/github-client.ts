/**
 * Authenticated @octokit/rest clients. Two ways to authenticate, as GitHub
 * offers them: a GitHub App (`GITHUB_APP_ID` + `GITHUB_APP_PRIVATE_KEY`; an
 * installation token per installation, made and renewed by @octokit/auth-app,
 * and the App's own JWT for the delivery API), or a plain token
 * (`GITHUB_TOKEN`). Clients are kept for the life of the process (a warm
 * Lambda), and so are the tokens auth-app caches inside them. Every request
 * has a time limit: GitHub waits 10 s for a webhook's answer.
 */
import { createHash } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { GithubSetupError } from './errors.ts';
import { SecretNames, type GithubSecrets } from './github-secrets.ts';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface GithubClients {
  /** A client for a repository: its App installation's token (the payload's `installation.id`), or the plain token. */
  forInstallation(installationId: number | undefined): Promise<Octokit>;
  /** A client authenticated as the App itself (JWT), for `/app/...` endpoints such as webhook deliveries. */
  forApp(): Promise<Octokit>;
}

export interface GithubClientOptions {
  secrets: GithubSecrets;
  /** `GITHUB_API_URL`; GitHub Enterprise Server is `https://<host>/api/v3`. */
  baseUrl?: string;
  /** Time limit of one request. Default 5 s. */
  timeoutMs?: number;
  /** How long the credentials read from the secrets are reused. Default 5 min. */
  credentialsTtlMs?: number;
  /**
   * Read only the App's credentials, never `GITHUB_TOKEN`: for the redelivery
   * Lambda, which can do nothing with a token and may not read it.
   */
  appOnly?: boolean;
  now?: () => number;
}

const APP_ONLY_MESSAGE = `webhook deliveries can only be listed as a GitHub App: set ${SecretNames.appId} and ${SecretNames.appPrivateKey}`;

type Credentials = { kind: 'app'; appId: string; privateKey: string } | { kind: 'token'; token: string };

/** Kept per installation; a Lambda serving more installations than this starts over. */
const MAX_CLIENTS = 100;

export function githubClients(options: GithubClientOptions): GithubClients {
  const baseUrl = (options.baseUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5_000;
  const ttlMs = options.credentialsTtlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const request = { fetch: (url: string, init: RequestInit) => fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(timeoutMs) }) };
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  let credentials: { value: Promise<Credentials>; until: number } | undefined;
  const clients = new Map<string, Octokit>();

  const readCredentials = (): Promise<Credentials> => {
    if (credentials && credentials.until > now()) return credentials.value;
    const value = resolveCredentials(options.secrets, options.appOnly === true);
    credentials = { value, until: now() + ttlMs };
    // A failed read is not kept: the next request reads again.
    value.catch(() => (credentials = undefined));
    return value;
  };

  // Keyed by the credentials too, so a rotated key or token gets fresh clients.
  const client = (creds: Credentials, name: string, build: () => Octokit): Octokit => {
    const key = `${fingerprint(creds)}:${name}`;
    let found = clients.get(key);
    if (!found) {
      if (clients.size >= MAX_CLIENTS) clients.clear();
      found = build();
      clients.set(key, found);
    }
    return found;
  };

  return {
    async forInstallation(installationId) {
      const creds = await readCredentials();
      if (creds.kind === 'token') return client(creds, 'token', () => new Octokit({ auth: creds.token, baseUrl, request, log: silent }));
      if (installationId === undefined) throw new GithubSetupError('the delivery names no App installation (installation.id), so Baton cannot get a token for its repository');
      return client(creds, `installation:${installationId}`, () => new Octokit({ authStrategy: createAppAuth, auth: { appId: creds.appId, privateKey: creds.privateKey, installationId }, baseUrl, request, log: silent }));
    },
    async forApp() {
      const creds = await readCredentials();
      if (creds.kind !== 'app') throw new GithubSetupError(APP_ONLY_MESSAGE);
      return client(creds, 'app', () => new Octokit({ authStrategy: createAppAuth, auth: { appId: creds.appId, privateKey: creds.privateKey }, baseUrl, request, log: silent }));
    },
  };
}

function fingerprint(creds: Credentials): string {
  const material = creds.kind === 'app' ? `${creds.appId}\n${creds.privateKey}` : creds.token;
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

async function resolveCredentials(secrets: GithubSecrets, appOnly: boolean): Promise<Credentials> {
  const [appId, privateKey] = await Promise.all([secrets.optional(SecretNames.appId), secrets.optional(SecretNames.appPrivateKey)]);
  if (appId && privateKey) return { kind: 'app', appId: appId.trim(), privateKey };
  if (appId || privateKey) throw new GithubSetupError(`a GitHub App needs both ${SecretNames.appId} and ${SecretNames.appPrivateKey}; only ${appId ? SecretNames.appId : SecretNames.appPrivateKey} is set`);
  if (appOnly) throw new GithubSetupError(APP_ONLY_MESSAGE);
  const token = await secrets.optional(SecretNames.token);
  if (token) return { kind: 'token', token: token.trim() };
  throw new GithubSetupError(`Baton has no GitHub credentials: set ${SecretNames.appId} and ${SecretNames.appPrivateKey} (a GitHub App), or ${SecretNames.token}`);
}

/** A GitHub API failure in one line, with its status: never the request's headers, where the token is. */
export function describeGithubError(error: unknown): string {
  const { status, message } = error as { status?: number; message?: string };
  const text = (message ?? String(error)).split('\n')[0].slice(0, 300);
  return status ? `GitHub answered ${status}: ${text}` : text;
}
