/**
 * The GitHub side's secrets and clients on one machine (`baton serve`): from
 * the environment, as steps read theirs. Without GitHub credentials in the
 * environment there are no clients, so the webhook starts runs and skips
 * check runs instead of failing to create each one.
 */
import { EnvSecrets } from '../runtime/secrets.ts';
import { DEFAULT_GITHUB_API_URL, githubClients, type GithubClients } from './github-client.ts';
import { GithubSecrets, SecretNames } from './github-secrets.ts';

export function localGithub(env: Record<string, string | undefined> = process.env): { secrets: GithubSecrets; github?: GithubClients } {
  const secrets = new GithubSecrets(new EnvSecrets(env));
  const hasCredentials = Boolean(env[SecretNames.appId] || env[SecretNames.token]);
  return { secrets, ...(hasCredentials ? { github: githubClients({ secrets, baseUrl: env.GITHUB_API_URL || DEFAULT_GITHUB_API_URL }) } : {}) };
}
