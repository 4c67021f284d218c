import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exampleDelivery } from '../../../cli/github-examples.ts';
import { compile, workflowManifest } from '../../../compiler/index.ts';
import { handler as redeliver } from '../../../functions/github/redeliver-handler.ts';
import { handler as webhook } from '../../../functions/github/webhook-handler.ts';
import { CheckpointStore } from '../../../functions/runtime/store/index.ts';
import { proxyEventOf, SECRET, signedRequest } from '../../support/github-harness.ts';
import { startDynalite, type LocalDynamo } from '../../support/start-dynalite.ts';

/**
 * The GitHub Lambdas' entries as the stack deploys them (infra/baton-stack.ts):
 * their environment, the manifest bundled next to the webhook, secrets from
 * Secrets Manager (mocked), Step Functions (mocked: no local stand-in), and
 * DynamoDB as dynalite, reached through the SDK's endpoint variable.
 */

const secretsManager = mockClient(SecretsManagerClient);
const asked: string[] = [];
secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
  asked.push(input.SecretId);
  if (input.SecretId === 'baton/test/GITHUB_WEBHOOK_SECRET') return { SecretString: SECRET };
  throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
});
const sfn = mockClient(SFNClient);
sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({ executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date() }));
vi.stubEnv('AWS_REGION', 'eu-west-1');
vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
vi.stubEnv('BATON_SECRETS_PREFIX', 'baton/test/');
vi.stubEnv('GITHUB_API_URL', 'https://github.example.com/api/v3');
// The entries log JSON lines on stdout, as on Lambda.
const logged = vi.spyOn(console, 'log').mockImplementation(() => {});

let dynamo: LocalDynamo;
let dir: string;
let store: CheckpointStore;
beforeAll(async () => {
  dynamo = await startDynalite();
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
  store = new CheckpointStore({ client: dynamo.doc, tableName: 'baton-entries' });
  await store.createTableIfMissing();
  dir = mkdtempSync(join(tmpdir(), 'baton-entries-'));
  const manifest = workflowManifest(compile('name: on-push\non: { github: [{ event: push }] }\nsteps:\n  build: { agent: echo, prompt: build }\n'))!;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ workflows: [manifest] }));
});

afterAll(async () => {
  secretsManager.restore();
  sfn.restore();
  logged.mockRestore();
  vi.unstubAllEnvs();
  await dynamo.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Lambda entries, as deployed', () => {
  it('the webhook checks the signature, then starts the run through the starter: the record in DynamoDB, the execution on Step Functions', async () => {
    vi.stubEnv('BATON_TABLE', 'baton-entries');
    vi.stubEnv('BATON_STATE_MACHINE_PREFIX', 'arn:aws:states:eu-west-1:123456789012:stateMachine:baton-test-');
    vi.stubEnv('BATON_MANIFEST', join(dir, 'manifest.json'));
    const forged = await webhook(proxyEventOf(await signedRequest('push', exampleDelivery('push').payload, { secret: 'wrong' })));
    const genuine = await webhook(proxyEventOf(await signedRequest('push', exampleDelivery('push').payload)));

    expect(forged.statusCode).toBe(401);
    expect(genuine.statusCode).toBe(202);
    const answer = JSON.parse(genuine.body);
    expect(answer.started).toHaveLength(1);
    const runId: string = answer.started[0].run_id;
    const starts = sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    expect(starts[0].args[0].input).toMatchObject({ stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:baton-test-on-push', name: runId });
    expect(JSON.parse(starts[0].args[0].input.input!)).toMatchObject({ trigger: { event: 'push', payload: { ref: 'refs/tags/simple-tag' } } });
    expect(await store.runs.get(runId)).toMatchObject({ workflow: 'on-push', status: 'running' });
    const lines = logged.mock.calls.map((call) => String(call[0]));
    expect(lines.every((line) => !line.includes(SECRET))).toBe(true);
  });

  it('the redelivery Lambda runs without a table, reads only the App secrets, and says in one line that it has no App', async () => {
    vi.stubEnv('BATON_TABLE', undefined);
    asked.length = 0;

    expect(await redeliver({})).toStrictEqual({ error: 'webhook deliveries can only be listed as a GitHub App: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY' });
    expect(asked.sort()).toStrictEqual(['baton/test/GITHUB_APP_ID', 'baton/test/GITHUB_APP_PRIVATE_KEY']);
  });
});
