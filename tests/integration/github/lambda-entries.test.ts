import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exampleDelivery } from '../../../cli/github-examples.ts';
import { handler as redeliver } from '../../../functions/github/redeliver-handler.ts';
import { handler as webhook } from '../../../functions/github/webhook-handler.ts';
import { proxyEventOf, SECRET, signedRequest } from '../../support/github-harness.ts';

const secretsManager = mockClient(SecretsManagerClient);
const asked: string[] = [];
secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
  asked.push(input.SecretId);
  if (input.SecretId === 'baton/test/GITHUB_WEBHOOK_SECRET') return { SecretString: SECRET };
  throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
});
// The environment the stack gives each Lambda (infra/baton-stack.ts), the manifest bundled next to the webhook.
const scratch = mkdtempSync(join(tmpdir(), 'baton-entries-'));
writeFileSync(join(scratch, 'manifest.json'), JSON.stringify({ workflows: [] }));
vi.stubEnv('AWS_REGION', 'eu-west-1');
vi.stubEnv('BATON_SECRETS_PREFIX', 'baton/test/');
vi.stubEnv('GITHUB_API_URL', 'https://github.example.com/api/v3');
// The entries log JSON lines on stdout, as on Lambda.
const logged = vi.spyOn(console, 'log').mockImplementation(() => {});

afterAll(() => {
  secretsManager.restore();
  logged.mockRestore();
  vi.unstubAllEnvs();
  rmSync(scratch, { recursive: true, force: true });
});

describe('Lambda entries, as deployed', () => {
  it('the webhook builds its run starter from the environment, checks the signature and answers a ping', async () => {
    vi.stubEnv('BATON_TABLE', 'baton-entries');
    vi.stubEnv('BATON_STATE_MACHINE_PREFIX', 'arn:aws:states:eu-west-1:123456789012:stateMachine:baton-test-');
    vi.stubEnv('BATON_MANIFEST', join(scratch, 'manifest.json'));
    const forged = await webhook(proxyEventOf(await signedRequest('ping', exampleDelivery('ping').payload, { secret: 'wrong' })));
    const genuine = await webhook(proxyEventOf(await signedRequest('ping', exampleDelivery('ping').payload)));

    expect(forged.statusCode).toBe(401);
    expect(genuine.statusCode).toBe(200);
    expect(JSON.parse(genuine.body)).toMatchObject({ event: 'ping', message: 'pong: Baton checked the signature and is listening' });
    const lines = logged.mock.calls.map((call) => String(call[0]));
    expect(lines.every((line) => JSON.parse(line) && !line.includes(SECRET))).toBe(true);
  });

  it('the redelivery Lambda runs without a table, reads only the App secrets, and says in one line that it has no App', async () => {
    vi.stubEnv('BATON_TABLE', undefined);
    asked.length = 0;

    expect(await redeliver({})).toStrictEqual({ error: 'webhook deliveries can only be listed as a GitHub App: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY' });
    expect(asked.sort()).toStrictEqual(['baton/test/GITHUB_APP_ID', 'baton/test/GITHUB_APP_PRIVATE_KEY']);
  });
});
