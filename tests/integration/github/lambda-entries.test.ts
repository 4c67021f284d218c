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

const secretsManager = mockClient(SecretsManagerClient);
secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
  if (input.SecretId === 'baton/GITHUB_WEBHOOK_SECRET') return { SecretString: SECRET };
  throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
});
// Step Functions has no local stand-in: its client is mocked; DynamoDB is dynalite, reached through the SDK's endpoint variable.
const sfn = mockClient(SFNClient);
sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({ executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date() }));
vi.stubEnv('BATON_TABLE', 'baton-entries');
vi.stubEnv('AWS_REGION', 'eu-west-1');
vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
vi.stubEnv('BATON_STATE_MACHINE_PREFIX', 'arn:aws:states:eu-west-1:123456789012:stateMachine:baton-dev-');
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
  // The manifest the stack bundles next to the webhook's code.
  dir = mkdtempSync(join(tmpdir(), 'baton-entries-'));
  const manifest = workflowManifest(compile('name: on-push\non: { github: [{ event: push }] }\nsteps:\n  build: { agent: echo, prompt: build }\n'))!;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ workflows: [manifest] }));
  vi.stubEnv('BATON_MANIFEST', join(dir, 'manifest.json'));
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
    const forged = await webhook(proxyEventOf(await signedRequest('push', exampleDelivery('push').payload, { secret: 'wrong' })));
    const genuine = await webhook(proxyEventOf(await signedRequest('push', exampleDelivery('push').payload)));

    expect(forged.statusCode).toBe(401);
    expect(genuine.statusCode).toBe(202);
    const answer = JSON.parse(genuine.body);
    expect(answer.started).toHaveLength(1);
    const runId: string = answer.started[0].run_id;
    const starts = sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    expect(starts[0].args[0].input).toMatchObject({ stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:baton-dev-on-push', name: runId });
    expect(JSON.parse(starts[0].args[0].input.input!)).toMatchObject({ trigger: { event: 'push', payload: { ref: 'refs/tags/simple-tag' } } });
    expect(await store.runs.get(runId)).toMatchObject({ workflow: 'on-push', status: 'running' });
    const lines = logged.mock.calls.map((call) => String(call[0]));
    expect(lines.every((line) => !line.includes(SECRET))).toBe(true);
  });

  it('the redelivery Lambda says, in one line, that it has no GitHub credentials', async () => {
    expect(await redeliver({})).toStrictEqual({ error: 'Baton has no GitHub credentials: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY (a GitHub App), or GITHUB_TOKEN' });
  });
});
