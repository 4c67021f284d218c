/**
 * The GitHub side's dependencies on AWS, built once per container: the table,
 * secrets from Secrets Manager (`baton/GITHUB_WEBHOOK_SECRET`, …), GitHub
 * clients on `GITHUB_API_URL`, approvals decided through Step Functions task
 * tokens. The run starter and the workflow catalog are the API's
 * (functions/runtime/starter/aws-starter.ts).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { awsDeps, LambdaEnv } from '../runtime/aws-deps.ts';
import { SecretsManagerSecrets } from '../runtime/secrets.ts';
import { noUserCode } from '../step/handler.ts';
import { DEFAULT_GITHUB_API_URL, githubClients } from './github-client.ts';
import { GithubSecrets } from './github-secrets.ts';
import { runtimeApprovals, type RunStarterPort, type Workflows } from './ports.ts';
import type { WebhookDeps } from './webhook.ts';

const GITHUB_API_URL = z.string().url().default(DEFAULT_GITHUB_API_URL);

/** What the GitHub clients read: the secrets' prefix and the API. The redelivery Lambda has no table, so this is all it reads. */
export const GithubEnv = LambdaEnv.pick({ BATON_SECRETS_PREFIX: true }).extend({ GITHUB_API_URL });
export type GithubEnv = z.infer<typeof GithubEnv>;

/** The webhook's and the events Lambda's environment: the table's too. */
export const GithubLambdaEnv = LambdaEnv.extend({ GITHUB_API_URL });
export type GithubLambdaEnv = z.infer<typeof GithubLambdaEnv>;

export const log = (line: object) => console.log(JSON.stringify(line));

/** Secrets and GitHub clients, shared by the webhook and the redelivery Lambda. */
export function awsGithub(env: GithubEnv, clients: { secretsManager?: SecretsManagerClient } = {}, options: { appOnly?: boolean } = {}) {
  const secrets = new GithubSecrets(new SecretsManagerSecrets({ prefix: env.BATON_SECRETS_PREFIX, client: clients.secretsManager }));
  return { secrets, github: githubClients({ secrets, baseUrl: env.GITHUB_API_URL, appOnly: options.appOnly }) };
}

/** Everything the webhook needs on AWS, given the run starter and the catalog. */
export function awsWebhookDeps(env: GithubLambdaEnv, ports: { starter: RunStarterPort; workflows: Workflows }): WebhookDeps {
  const runtime = { ...awsDeps(env), functions: noUserCode };
  return { ...awsGithub(env), store: runtime.store, approvals: runtimeApprovals(runtime), ...ports, log };
}
