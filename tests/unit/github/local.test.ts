import { describe, expect, it } from 'vitest';
import { localGithub } from '../../../functions/github/local.ts';

describe('github: on one machine', () => {
  it('reads the webhook secrets from the environment', async () => {
    const { secrets } = localGithub({ GITHUB_WEBHOOK_SECRET: 'now', GITHUB_WEBHOOK_SECRET_PREVIOUS: 'before' });

    expect(await secrets.current()).toBe('now');
    expect(await secrets.previous()).toBe('before');
  });

  it('has GitHub clients only when the environment has credentials', () => {
    expect(localGithub({ GITHUB_WEBHOOK_SECRET: 's' }).github).toBeUndefined();
    expect(localGithub({ GITHUB_TOKEN: 't' }).github).toBeDefined();
    expect(localGithub({ GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'k' }).github).toBeDefined();
  });

  it('says so when there is no webhook secret', async () => {
    await expect(localGithub({}).secrets.current()).rejects.toThrow(/^Baton has no webhook secret: set GITHUB_WEBHOOK_SECRET/);
  });
});
