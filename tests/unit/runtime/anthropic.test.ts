import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { sendJson, startHttpServer, type TestServer } from '../../support/http-server.ts';
import { builtIn, callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

const API_KEY = 'sk-ant-test-key-0123456789';

let harness: RuntimeHarness;
let server: TestServer;
/** What the fake Messages API answers next: the status, and an error type for non-200s. */
let next: { status: number; type?: string } = { status: 200 };

beforeAll(async () => {
  harness = await startRuntimeHarness({ env: { ANTHROPIC_API_KEY: API_KEY } });
  server = await startHttpServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/messages') return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: req.url } });
    if (next.status !== 200) {
      return sendJson(res, next.status, { type: 'error', error: { type: next.type ?? 'api_error', message: `failing with ${next.status}` } });
    }
    const body = JSON.parse(req.body) as { model: string; messages: Array<{ content: string }> };
    sendJson(res, 200, {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [
        { type: 'text', text: `You said: ${body.messages[0].content}.` },
        { type: 'tool_use', id: 't', name: 'x', input: {} },
        { type: 'text', text: ' Done.' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 12, output_tokens: 7 },
    });
  });
});

afterAll(async () => {
  await server.close();
  await harness.stop();
});

function ask(prompt: string, provider: Record<string, unknown> = {}): StepCall {
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
    },
    input: { prompt },
    templates: [['config', 'provider', 'api_key']],
  });
}

describe('agent: anthropic', () => {
  it('calls the Messages API and joins the text blocks', async () => {
    next = { status: 200 };
    const inv = ask('Review PR 7');

    const response = await callStep(inv, harness.deps());

    expect(response).toStrictEqual({
      status: 'succeeded',
      outputs: { text: 'You said: Review PR 7. Done.', agent: 'reviewer', usage: { input_tokens: 12, output_tokens: 7 } },
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

  it('passes max_tokens through and never stores the api key', async () => {
    next = { status: 200 };

    await callStep(ask('Echo the key sk-ant-test-key-0123456789 please', { max_tokens: 100 }), harness.deps());

    expect(JSON.parse(server.requests.at(-1)!.body).max_tokens).toBe(100);
    const { Items } = await harness.dynamo.doc.send(new ScanCommand({ TableName: harness.store.tableName }));
    expect(JSON.stringify(Items)).not.toContain(API_KEY);
    expect(JSON.stringify(Items)).toContain('Echo the key *** please');
  });

  it.each([
    [429, 'rate_limit_error', ErrorNames.Throttled],
    [529, 'overloaded_error', ErrorNames.ServerError],
    [500, 'api_error', ErrorNames.ServerError],
    [400, 'invalid_request_error', ErrorNames.AgentError],
    [401, 'authentication_error', ErrorNames.AgentError],
  ])('maps %i (%s) to %s', async (status, type, name) => {
    next = { status, type };
    const inv = ask('hello');

    await expect(callStep(inv, harness.deps())).rejects.toMatchObject({ name, message: expect.stringContaining(type) });
    expect((await harness.store.steps.get((inv.event.run as { id: string }).id, { step: 'review' }))?.error?.name).toBe(name);
  });

  it('refuses a config without a model', async () => {
    next = { status: 200 };

    await expect(callStep(ask('hello', { model: undefined }), harness.deps())).rejects.toMatchObject({ name: ErrorNames.InputInvalid });
  });
});
