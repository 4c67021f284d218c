/**
 * What a deployment can change without editing code: CDK context
 * (`cdk deploy -c stage=prod -c alarmEmail=ops@example.com`, or `cdk.json`).
 * Read once, through a zod schema, so a typo fails the synth with the key's
 * name instead of deploying a default nobody chose.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { parseDuration } from '../compiler/model.ts';

/** The context keys, each with its default. docs/deploy.md lists them for people. */
export const CONTEXT_KEYS = [
  'stage',
  'alarmEmail',
  'slackWebhookSecret',
  'executionTimeout',
  'logRetentionDays',
  'runRetentionDays',
  'apiRateLimit',
  'apiBurstLimit',
  'secretsPrefix',
  'retainData',
  'definitions',
  'githubApiUrl',
] as const;

/** GitHub's REST API, the default of `githubApiUrl` (functions/github/github-client.ts has the same). */
export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

const durationSeconds = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const seconds = parseDuration(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `'${value}' is not a duration (90s, 15m, 2h, 7d, or seconds)` });
      return z.NEVER;
    }
    return seconds;
  });

/** Context from `-c key=value` arrives as text; from cdk.json it may be typed. */
const number = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]);
const boolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

const ContextSchema = z.object({
  /** Names every resource (`baton-<stage>-...`): several stages can share an account. */
  stage: z.string().regex(/^[a-z][a-z0-9]{0,11}$/, 'lower-case letters and digits, at most 12, starting with a letter').default('dev'),
  /** Subscribes this address to the alarm topic (SNS sends a confirmation mail first). */
  alarmEmail: z.email().optional(),
  /** Name of a Secrets Manager secret whose value is a Slack incoming-webhook URL: alarms are forwarded there. */
  slackWebhookSecret: z.string().min(1).optional(),
  /** Every execution stops after this long (the ASL's top-level `TimeoutSeconds`); Standard workflows allow a year. */
  executionTimeout: durationSeconds.default(30 * 86400),
  logRetentionDays: number.default(30),
  /** How long a finished run's items stay in the table before DynamoDB's TTL deletes them. */
  runRetentionDays: number.pipe(z.number().int().positive()).default(30),
  apiRateLimit: number.pipe(z.number().positive()).default(10),
  apiBurstLimit: number.pipe(z.number().int().positive()).default(20),
  /** `secrets.NAME` is the Secrets Manager secret `<prefix>NAME`. Default `baton/<stage>/`. */
  secretsPrefix: z.string().regex(/^[A-Za-z0-9/_+=.@-]*$/).optional(),
  /** Keep the table (and refuse to delete it) when the stack goes away. */
  retainData: boolean.default(true),
  /** The folder of workflow definitions, relative to the project root. */
  definitions: z.string().default('definitions'),
  /** `GITHUB_API_URL` of the GitHub Lambdas: GitHub Enterprise Server is `https://HOST/api/v3`. */
  githubApiUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL, such as https://api.github.com or https://HOST/api/v3' }).default(DEFAULT_GITHUB_API_URL),
});

export interface BatonSettings {
  stage: string;
  alarmEmail?: string;
  slackWebhookSecret?: string;
  executionTimeoutSeconds: number;
  logRetention: RetentionDays;
  runRetentionDays: number;
  apiRateLimit: number;
  apiBurstLimit: number;
  secretsPrefix: string;
  retainData: boolean;
  definitions: string;
  /** The GitHub REST API the webhook, events and redelivery Lambdas call (`GITHUB_API_URL`). */
  githubApiUrl: string;
  /** `baton-<stage>-`: the prefix of every named resource, state machines first. */
  namePrefix: string;
}

/** Step Functions' longest Standard execution. */
const MAX_EXECUTION_SECONDS = 365 * 86400;

/** The settings from a construct tree's context; throws one message listing every bad key. */
export function readSettings(node: Node): BatonSettings {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = node.tryGetContext(key);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = ContextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `-c ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Baton: bad CDK context\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  if (c.executionTimeout > MAX_EXECUTION_SECONDS) throw new Error(`Baton: -c executionTimeout: at most a year (${MAX_EXECUTION_SECONDS} s), Step Functions' limit`);
  const retention = Object.values(RetentionDays).find((days) => days === c.logRetentionDays);
  if (retention === undefined) throw new Error(`Baton: -c logRetentionDays: ${c.logRetentionDays} is not a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)`);
  return {
    stage: c.stage,
    alarmEmail: c.alarmEmail,
    slackWebhookSecret: c.slackWebhookSecret,
    executionTimeoutSeconds: c.executionTimeout,
    logRetention: retention as RetentionDays,
    runRetentionDays: c.runRetentionDays,
    apiRateLimit: c.apiRateLimit,
    apiBurstLimit: c.apiBurstLimit,
    secretsPrefix: c.secretsPrefix ?? `baton/${c.stage}/`,
    retainData: c.retainData,
    definitions: c.definitions,
    githubApiUrl: c.githubApiUrl,
    namePrefix: `baton-${c.stage}-`,
  };
}
