/**
 * GitHub does not retry a failed delivery by itself: every 15 minutes an
 * EventBridge rule invokes the redelivery Lambda
 * (functions/github/redeliver-handler.ts), which looks back one hour and asks
 * GitHub to redeliver what failed, so a delivery gets a few tries within that
 * hour (the handler stops at three). It reads the GitHub App's two secrets and
 * nothing else: no table, no Step Functions, no `GITHUB_TOKEN` (a token cannot
 * list an App's deliveries). Without the App it logs one line and returns, so
 * a token-only setup pays for a short invocation every 15 minutes, within
 * Lambda's free tier.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BatonFunction } from './baton-function.ts';

export interface GithubRedeliveryProps {
  /** The redelivery Lambda's entry (entries.ts, `redeliver`). */
  entry: string;
  secretsPrefix: string;
  /** The App's secrets: `GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY`. */
  secrets: readonly string[];
  githubApiUrl: string;
  logRetention: RetentionDays;
  /** Events the rule cannot deliver, and invocations that failed, go here. */
  failures: IQueue;
}

/** How often the failed deliveries are looked for; the handler looks back one hour (redeliver.ts). */
export const REDELIVERY_RATE = Duration.minutes(15);

export class GithubRedelivery extends Construct {
  readonly function: BatonFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: GithubRedeliveryProps) {
    super(scope, id);
    this.function = new BatonFunction(this, 'Function', {
      entry: props.entry,
      service: 'baton-redeliver',
      description: "Baton: redelivers the GitHub App's failed webhook deliveries of the last hour",
      logRetention: props.logRetention,
      // Pages through an hour of deliveries, 5 s per GitHub request at most.
      timeout: Duration.seconds(60),
      environment: { GITHUB_API_URL: props.githubApiUrl },
      asyncFailures: props.failures,
    });
    this.function.bindSecrets(props.secretsPrefix, props.secrets);

    this.rule = new Rule(this, 'Schedule', {
      description: "Baton: redeliver the GitHub App's failed webhook deliveries",
      schedule: Schedule.rate(REDELIVERY_RATE),
    });
    // An event older than one period is superseded by the next one.
    this.rule.addTarget(new LambdaFunction(this.function, { deadLetterQueue: props.failures, retryAttempts: 2, maxEventAge: REDELIVERY_RATE }));
  }
}
