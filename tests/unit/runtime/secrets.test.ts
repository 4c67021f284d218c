import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { Redactor } from '../../../functions/runtime/redact.ts';
import { EnvSecrets, SecretsManagerSecrets } from '../../../functions/runtime/secrets.ts';
import { sendJson, startHttpServer, type TestServer } from '../../support/http-server.ts';
import { builtIn, callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

const TOKEN = 'ghp_s3cr3t-T0ken/with+chars';

let harness: RuntimeHarness;
let server: TestServer;

beforeAll(async () => {
  harness = await startRuntimeHarness({ env: { GITHUB_TOKEN: TOKEN, REGION: 'eu-west-1' } });
  server = await startHttpServer((req, res) => sendJson(res, 200, { echoed: req.headers.authorization ?? null }));
});

afterAll(async () => {
  await server.close();
  await harness.stop();
});

/** Every attribute of every item in the table, as text. */
async function tableText(): Promise<string> {
  const { Items } = await harness.dynamo.doc.send(new ScanCommand({ TableName: harness.store.tableName }));
  return JSON.stringify(Items, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
}

function echoStep(runId: string, input: Record<string, unknown>, templates: Array<Array<string | number>>, exportName = 'handler'): StepCall {
  return { role: { kind: 'function', file: 'echo-input.mjs' }, event: { step: 'echo', run: runContext(runId), config: { export: exportName }, input, templates } };
}

/** The contract's template of `parts`: strings are text. */
function template(parts: Array<string | { secret: string } | { arg: number }>, args?: unknown[]) {
  return { 'baton:template': parts.map((p) => (typeof p === 'string' ? { text: p } : p)), ...(args ? { args: Object.fromEntries(args.map((a, i) => [String(i), a])) } : {}) };
}

describe('secrets: resolvers', () => {
  it('reads local secrets from the environment', async () => {
    const secrets = new EnvSecrets({ A: 'x' });

    await expect(secrets.get('A')).resolves.toBe('x');
    await expect(secrets.get('B')).rejects.toMatchObject({ name: ErrorNames.SecretNotFound });
  });

  describe('Secrets Manager', () => {
    const sm = mockClient(SecretsManagerClient);
    beforeEach(() => sm.reset());

    it('reads `${prefix}${NAME}` and reuses the value for a while', async () => {
      sm.on(GetSecretValueCommand, { SecretId: 'baton/prod/GITHUB_TOKEN' }).resolves({ SecretString: 'v1' });
      let now = 0;
      const secrets = new SecretsManagerSecrets({ client: new SecretsManagerClient({}), prefix: 'baton/prod/', ttlMs: 1000, now: () => now });

      const first = await secrets.get('GITHUB_TOKEN');
      const cached = await secrets.get('GITHUB_TOKEN');
      now = 1001;
      sm.on(GetSecretValueCommand, { SecretId: 'baton/prod/GITHUB_TOKEN' }).resolves({ SecretString: 'v2' });
      const refreshed = await secrets.get('GITHUB_TOKEN');

      expect([first, cached, refreshed]).toStrictEqual(['v1', 'v1', 'v2']);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it('turns a missing secret into SecretNotFound, and asks again next time', async () => {
      sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
      const secrets = new SecretsManagerSecrets({ client: new SecretsManagerClient({}) });

      await expect(secrets.get('NOPE')).rejects.toMatchObject({ name: ErrorNames.SecretNotFound, message: 'secret NOPE is not set' });
      await expect(secrets.get('NOPE')).rejects.toMatchObject({ name: ErrorNames.SecretNotFound });
      expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).toStrictEqual({ SecretId: 'baton/NOPE' });
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });
  });
});

describe('secrets: redaction', () => {
  it('masks a secret and its JSON-escaped and URL-encoded forms, in keys too', () => {
    const redactor = new Redactor();
    redactor.add('p"a ss');

    const masked = redactor.redact({ plain: 'x p"a ss y', json: JSON.stringify({ k: 'p"a ss' }), url: `?t=${encodeURIComponent('p"a ss')}`, ['p"a ss']: 1, n: 3 });

    expect(masked).toStrictEqual({ plain: 'x *** y', json: '{"k":"***"}', url: '?t=***', '***': 1, n: 3 });
  });
});

describe('secrets: in steps', () => {
  it('resolves a template only at the listed paths', async () => {
    const runId = newRunId();
    const listed = template(['token ', { secret: 'GITHUB_TOKEN' }]);
    const unlisted = template([{ secret: 'GITHUB_TOKEN' }]);

    const response = await callStep(echoStep(runId, { auth: listed, other: unlisted }, [['input', 'auth']]), harness.deps());

    const { input } = response.outputs as { input: Record<string, unknown> };
    expect(input.auth).toBe('token ***');
    expect(input.other).toStrictEqual(unlisted);
  });

  it('hands the real value to the step and stores only `***`', async () => {
    const runId = newRunId();
    const logs = harness.logs.length;

    const response = await callStep(echoStep(runId, { token: template([{ secret: 'GITHUB_TOKEN' }]) }, [['input', 'token']]), harness.deps());

    expect(response.outputs).toMatchObject({ input: { token: '***' } });
    expect(await harness.store.steps.getResult(runId, { step: 'echo' })).toMatchObject({ input: { token: '***' } });
    expect(await tableText()).not.toContain(TOKEN);
    expect(JSON.stringify(harness.logs.slice(logs))).not.toContain(TOKEN);
  });

  it('joins static text, secrets and Step Functions arguments', async () => {
    const runId = newRunId();
    const url = template(['https://', { arg: 0 }, '/x?t=', { secret: 'GITHUB_TOKEN' }, '&n=', { arg: 1 }], ['api.example.com', 7]);
    const seen: unknown[] = [];

    await callStep(echoStep(runId, { url }, [['input', 'url']]), {
      ...harness.deps(),
      functions: { load: async () => (input) => seen.push(input.url) },
    });

    expect(seen).toStrictEqual([`https://api.example.com/x?t=${TOKEN}&n=7`]);
  });

  it('masks the secret in a stored and thrown error', async () => {
    const runId = newRunId();

    const call = callStep(echoStep(runId, { token: template([{ secret: 'GITHUB_TOKEN' }]) }, [['input', 'token']], 'leak'), harness.deps());

    await expect(call).rejects.toMatchObject({ name: 'Error', message: 'could not log in with ***' });
    expect((await harness.store.steps.get(runId, { step: 'echo' }))?.error).toStrictEqual({ name: 'Error', message: 'could not log in with ***' });
  });

  it('sends a secret header to an http peer and masks what the peer echoes back', async () => {
    const runId = newRunId();
    const inv = builtIn('http', {
      step: 'call',
      run: runContext(runId),
      input: { method: 'GET', url: server.url, headers: { Authorization: template(['Bearer ', { secret: 'GITHUB_TOKEN' }]) } },
      templates: [['input', 'headers', 'Authorization']],
    });

    const response = await callStep(inv, harness.deps());

    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(response.outputs).toMatchObject({ body: { echoed: 'Bearer ***' } });
    expect(await tableText()).not.toContain(TOKEN);
  });

  it('fails the step with SecretNotFound when a secret is missing', async () => {
    const runId = newRunId();

    const call = callStep(echoStep(runId, { token: template([{ secret: 'MISSING' }]) }, [['input', 'token']]), harness.deps());

    await expect(call).rejects.toMatchObject({ name: ErrorNames.SecretNotFound });
    expect((await harness.store.steps.get(runId, { step: 'echo' }))?.error?.name).toBe(ErrorNames.SecretNotFound);
  });
});
