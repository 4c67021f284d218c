import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GITHUB_API_URL as CLIENT_DEFAULT } from '../../functions/github/github-client.ts';
import { DEFAULT_GITHUB_API_URL, readSettings } from '../../infra/settings.ts';

const settingsOf = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe('infra: settings from CDK context', () => {
  it('defaults to stage dev, a 30-day execution timeout and log retention, and the stage secrets prefix', () => {
    expect(settingsOf({})).toStrictEqual({
      stage: 'dev',
      alarmEmail: undefined,
      slackWebhookSecret: undefined,
      executionTimeoutSeconds: 30 * 86400,
      logRetention: RetentionDays.ONE_MONTH,
      runRetentionDays: 30,
      apiRateLimit: 10,
      apiBurstLimit: 20,
      secretsPrefix: 'baton/dev/',
      retainData: true,
      definitions: 'definitions',
      githubApiUrl: 'https://api.github.com',
      namePrefix: 'baton-dev-',
    });
  });

  it("defaults githubApiUrl to the GitHub client's own default, and takes a GitHub Enterprise Server URL", () => {
    expect(DEFAULT_GITHUB_API_URL).toBe(CLIENT_DEFAULT);
    expect(settingsOf({ githubApiUrl: 'https://github.example.com/api/v3' }).githubApiUrl).toBe('https://github.example.com/api/v3');
    expect(() => settingsOf({ githubApiUrl: 'github.example.com' })).toThrow(/-c githubApiUrl: an http\(s\) URL/);
    expect(() => settingsOf({ githubApiUrl: 'ftp://github.example.com' })).toThrow(/-c githubApiUrl/);
  });

  it('reads -c values, which arrive as text', () => {
    const settings = settingsOf({ stage: 'prod', executionTimeout: '36h', logRetentionDays: '90', retainData: 'false', apiRateLimit: '2.5', secretsPrefix: 'ci/' });
    expect(settings).toMatchObject({ stage: 'prod', executionTimeoutSeconds: 36 * 3600, logRetention: RetentionDays.THREE_MONTHS, retainData: false, apiRateLimit: 2.5, secretsPrefix: 'ci/', namePrefix: 'baton-prod-' });
    expect(settingsOf({ executionTimeout: 600 }).executionTimeoutSeconds).toBe(600);
  });

  it('refuses bad values, naming every key at once', () => {
    expect(() => settingsOf({ stage: 'Prod_1', alarmEmail: 'nobody', executionTimeout: '500ms' })).toThrow(/-c stage: .*\n\s+-c alarmEmail: .*\n\s+-c executionTimeout: '500ms' is not a duration/);
  });

  it('refuses an execution timeout past a year and a retention CloudWatch does not offer', () => {
    expect(() => settingsOf({ executionTimeout: '400d' })).toThrow(/at most a year/);
    expect(() => settingsOf({ logRetentionDays: '31' })).toThrow(/31 is not a retention/);
  });
});
