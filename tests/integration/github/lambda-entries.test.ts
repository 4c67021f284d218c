import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exampleDelivery } from '../../../cli/github-examples.ts';
import { handler as redeliver } from '../../../functions/github/redeliver-handler.ts';
import { handler as webhook } from '../../../functions/github/webhook-handler.ts';
import { proxyEventOf, SECRET, signedRequest } from '../../support/github-harness.ts';

const secretsManager = mockClient(SecretsManagerClient);
secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
  if (input.SecretId === 'baton/GITHUB_WEBHOOK_SECRET') return { SecretString: SECRET };
  throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
});
vi.stubEnv('BATON_TABLE', 'baton-entries');
vi.stubEnv('AWS_REGION', 'eu-west-1');
// The entries log JSON lines on stdout, as on Lambda.
const logged = vi.spyOn(console, 'log').mockImplementation(() => {});

afterAll(() => {
  secretsManager.restore();
  logged.mockRestore();
  vi.unstubAllEnvs();
});

describe('Lambda entries, as deployed', () => {
  it('the webhook checks the signature, then says it is not wired to the run starter yet', async () => {
    const forged = await webhook(proxyEventOf(await signedRequest('push', exampleDelivery('push').payload, { secret: 'wrong' })));
    const genuine = await webhook(proxyEventOf(await signedRequest('push', exampleDelivery('push').payload)));

    expect(forged.statusCode).toBe(401);
    expect(genuine.statusCode).toBe(500);
    expect(JSON.parse(genuine.body)).toStrictEqual({ error: 'setup', message: 'the webhook is not wired to the run starter yet (functions/github/aws.ts, starterPorts)' });
    const lines = logged.mock.calls.map((call) => String(call[0]));
    expect(lines.every((line) => JSON.parse(line) && !line.includes(SECRET))).toBe(true);
  });

  it('the redelivery Lambda says, in one line, that it has no GitHub credentials', async () => {
    expect(await redeliver({})).toStrictEqual({ error: 'Baton has no GitHub credentials: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (a GitHub App), or GITHUB_TOKEN' });
  });
});
