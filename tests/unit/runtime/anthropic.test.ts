import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../../support/fake-anthropic.ts';
import { builtIn, callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

const API_KEY = 'sk-ant-test-key-0123456789';

let harness: RuntimeHarness;
let server: FakeAnthropic;

beforeAll(async () => {
  harness = await startRuntimeHarness({ env: { ANTHROPIC_API_KEY: API_KEY, WRONG_KEY: 'sk-ant-wrong-key-999' } });
  server = await startFakeAnthropic({ apiKey: API_KEY });
});

beforeEach(() => {
  server.script = [];
  server.requests.length = 0;
});

afterAll(async () => {
  await server.close();
  await harness.stop();
});

function ask(prompt: string, provider: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): StepCall {
  return builtIn('agent', {
    step: 'review',
    run: runContext(newRunId()),
    phase: 'start',
    config: {
      agent: 'reviewer',
      provider: {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        base_url: server.url,
        api_key: { 'baton:template': [{ secret: 'ANTHROPIC_API_KEY' }] },
        ...provider,
      },
      ...extra,
    },
    input: { prompt },
    templates: [['config', 'provider', 'api_key']],
  });
}

describe('agent: anthropic, the request and the answer', () => {
  it('calls the Messages API and joins the text blocks', async () => {
    const response = await callStep(ask('Review PR 7'), harness.deps());

    expect(response).toStrictEqual({
      status: 'succeeded',
      outputs: { text: 'You said: Review PR 7', agent: 'reviewer', usage: { input_tokens: 12, output_tokens: 7 } },
    });
    const request = server.requests.at(-1)!;
    expect(request.headers['x-api-key']).toBe(API_KEY);
    expect(request.headers['anthropic-version']).toBe('2023-06-01');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toStrictEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'Review PR 7' }],
    });
  });

  it('passes max_tokens and the system prompt through, and never stores the api key', async () => {
    await callStep(ask('Echo the key sk-ant-test-key-0123456789 please', { max_tokens: 100, system: 'You review code. Be brief.' }), harness.deps());

    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ max_tokens: 100, system: 'You review code. Be brief.' });
    const { Items } = await harness.dynamo.doc.send(new ScanCommand({ TableName: harness.store.tableName }));
    expect(JSON.stringify(Items)).not.toContain(API_KEY);
    expect(JSON.stringify(Items)).toContain('Echo the key *** please');
  });

  it('refuses a config without a model', async () => {
    await expect(callStep(ask('hello', { model: undefined }), harness.deps())).rejects.toMatchObject({ name: ErrorNames.InputInvalid });
  });
});

describe('agent: anthropic, stop_reason', () => {
  it.each([
    ['max_tokens', ErrorNames.AgentOutputTruncated],
    ['model_context_window_exceeded', ErrorNames.AgentOutputTruncated],
    ['refusal', ErrorNames.AgentRefused],
  ])('a 200 that stopped for %s is %s, not an answer', async (stop, name) => {
    server.script = [{ stop_reason: stop, text: 'Here is the first half of' }];
    const inv = ask('Summarize the repo');

    await expect(callStep(inv, harness.deps())).rejects.toMatchObject({ name, message: expect.stringContaining(stop) });
    expect((await harness.store.steps.get((inv.event.run as { id: string }).id, { step: 'review' }))?.error?.name).toBe(name);
  });

  it('a cut-off JSON answer is AgentOutputTruncated, not a JSON parse failure', async () => {
    server.script = [{ stop_reason: 'max_tokens', text: '{"summary": "two tasks", "tasks": [{"title": "li' }];

    await expect(callStep(ask('List the tasks', {}, { format: 'json' }), harness.deps())).rejects.toMatchObject({ name: ErrorNames.AgentOutputTruncated });
  });

  it('keeps the refusal details in the message', async () => {
    server.script = [{ stop_reason: 'refusal', text: '', stop_details: { type: 'refusal', category: 'cyber' } }];

    await expect(callStep(ask('hello'), harness.deps())).rejects.toMatchObject({ name: ErrorNames.AgentRefused, message: expect.stringContaining('cyber') });
  });

  it('takes stop_sequence as a finished answer', async () => {
    server.script = [{ stop_reason: 'stop_sequence', text: 'Done here' }];

    await expect(callStep(ask('hello'), harness.deps())).resolves.toMatchObject({ outputs: { text: 'Done here' } });
  });
});

describe('agent: anthropic, HTTP errors', () => {
  it.each([
    [529, 'overloaded_error', ErrorNames.ServerError],
    [500, 'api_error', ErrorNames.ServerError],
    [504, 'timeout_error', ErrorNames.ServerError],
    [400, 'invalid_request_error', ErrorNames.AgentRequestInvalid],
    [403, 'permission_error', ErrorNames.AgentForbidden],
    [404, 'not_found_error', ErrorNames.AgentRequestInvalid],
    [413, 'request_too_large', ErrorNames.AgentRequestInvalid],
    [402, 'billing_error', ErrorNames.AgentUsageLimit],
  ])('maps %i (%s) to %s, with the request id', async (status, type, name) => {
    server.script = [{ status, type }];
    const inv = ask('hello');

    await expect(callStep(inv, harness.deps())).rejects.toMatchObject({ name, message: expect.stringMatching(new RegExp(`${type}.*request_id req_011Fake`)) });
    expect((await harness.store.steps.get((inv.event.run as { id: string }).id, { step: 'review' }))?.error?.name).toBe(name);
  });

  it('a wrong key is AgentUnauthorized, and the key is in no message', async () => {
    const inv = ask('hello', { api_key: { 'baton:template': [{ secret: 'WRONG_KEY' }] } });

    const failure = await callStep(inv, harness.deps()).catch((error: Error) => error);

    expect(failure).toMatchObject({ name: ErrorNames.AgentUnauthorized, message: expect.stringContaining('authentication_error') });
    expect((failure as Error).message).not.toContain('sk-ant-wrong-key-999');
  });

  it('waits out a 429 whose retry-after fits in the call, then answers', async () => {
    server.script = [{ status: 429, type: 'rate_limit_error', message: 'Number of requests has exceeded your per-minute rate limit', headers: { 'retry-after': '1' } }];
    const startedAt = Date.now();

    const response = await callStep(ask('Review PR 7'), harness.deps());

    expect(response.outputs).toMatchObject({ text: 'You said: Review PR 7' });
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
  });

  it('throws Throttled at once when retry-after is longer than the call may wait', async () => {
    server.script = [{ status: 429, type: 'rate_limit_error', headers: { 'retry-after': '120' } }];

    await expect(callStep(ask('hello'), harness.deps({ agentPollBudgetMs: 5000 }))).rejects.toMatchObject({
      name: ErrorNames.Throttled,
      message: expect.stringMatching(/rate_limit_error.*retry after 120 s.*request_id/),
    });
    expect(server.requests).toHaveLength(1);
  });

  it('a 429 for the usage tier\'s spend cap is AgentUsageLimit and is not waited on', async () => {
    server.script = [{ status: 429, type: 'rate_limit_error', message: 'You have reached your monthly spend limit.', error_code: 'enforced_spend_limit_reached', headers: { 'retry-after': '1' } }];

    await expect(callStep(ask('hello'), harness.deps())).rejects.toMatchObject({ name: ErrorNames.AgentUsageLimit });
    expect(server.requests).toHaveLength(1);
  });

  it('a 400 for a spend limit the organization set is AgentUsageLimit', async () => {
    server.script = [{ status: 400, type: 'invalid_request_error', message: 'You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.' }];

    await expect(callStep(ask('hello'), harness.deps())).rejects.toMatchObject({ name: ErrorNames.AgentUsageLimit });
  });
});
