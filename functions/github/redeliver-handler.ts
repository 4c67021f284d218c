/**
 * The redelivery Lambda, run on a schedule (EventBridge): redelivers the
 * GitHub App's failed deliveries of the last hour (redeliver.ts). It needs the
 * App's credentials (`baton/GITHUB_APP_ID`, `baton/GITHUB_APP_PRIVATE_KEY`): a
 * plain token cannot list an App's deliveries. It reads nothing else (no
 * table, no `GITHUB_TOKEN`), and without the App it says so and returns, so a
 * setup with a token only costs one log line per run.
 */
import { coldStart, readEnv } from '../runtime/aws-deps.ts';
import { awsGithub, GithubEnv, log } from './aws.ts';
import { GithubSetupError } from './errors.ts';
import type { GithubClients } from './github-client.ts';
import { redeliverFailed, type RedeliverOptions, type RedeliverReport } from './redeliver.ts';

export function createRedeliverHandler(deps: { github: GithubClients; log?: (event: object) => void } & Omit<RedeliverOptions, 'log'>) {
  return async (_event: unknown): Promise<RedeliverReport | { error: string }> => {
    let app;
    try {
      app = await deps.github.forApp();
    } catch (error) {
      if (!(error instanceof GithubSetupError)) throw error;
      deps.log?.({ event: 'github.redelivery_unavailable', message: error.message });
      return { error: error.message };
    }
    const report = await redeliverFailed(app, { ...deps });
    deps.log?.({ event: 'github.redelivery', examined: report.examined, redelivered: report.redelivered.length, gave_up: report.gave_up.length, errors: report.errors.length });
    return report;
  };
}

/** The Lambda entry: environment and clients read once, at cold start. */
export const handler = coldStart(() => createRedeliverHandler({ github: awsGithub(readEnv(GithubEnv), {}, { appOnly: true }).github, log }));
