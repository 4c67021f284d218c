import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { closedPort, sendJson, startHttpServer, type TestServer } from '../../support/http-server.ts';
import { builtIn, callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

let harness: RuntimeHarness;
let server: TestServer;

beforeAll(async () => {
  harness = await startRuntimeHarness();
  server = await startHttpServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/json') return sendJson(res, 200, { received: req.body ? JSON.parse(req.body) : null, type: req.headers['content-type'] ?? null }, { 'x-trace': 'abc' });
    if (path === '/text') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('plain words');
    }
    if (path === '/created') return sendJson(res, 201, { id: 9 });
    if (path === '/slow') {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return sendJson(res, 200, {});
    }
    const status = Number(path.slice(1));
    sendJson(res, Number.isInteger(status) && status >= 200 ? status : 404, { message: `status ${status}` });
  });
});

afterAll(async () => {
  await server.close();
  await harness.stop();
});

function http(url: string, extra: Record<string, unknown> = {}, expectCodes?: Array<number | [number, number]>): StepCall {
  return builtIn('http', {
    step: 'call',
    run: runContext(newRunId()),
    config: expectCodes ? { expect: expectCodes } : {},
    input: { method: 'GET', url, ...extra },
  });
}

describe('http steps', () => {
  it('sends a JSON body as JSON and parses the JSON answer', async () => {
    const response = await callStep(http(`${server.url}/json`, { method: 'post', body: { n: 1 } }), harness.deps());

    expect(response.outputs).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json', 'x-trace': 'abc' },
      body: { received: { n: 1 }, type: 'application/json' },
    });
    expect(server.requests.at(-1)?.method).toBe('POST');
  });

  it('keeps a text answer as text', async () => {
    const response = await callStep(http(`${server.url}/text`), harness.deps());

    expect(response.outputs).toMatchObject({ status: 200, body: 'plain words' });
  });

  it('accepts only the statuses in `expect`', async () => {
    await expect(callStep(http(`${server.url}/json`, {}, [201]), harness.deps())).rejects.toMatchObject({ name: ErrorNames.HttpError });
    await expect(callStep(http(`${server.url}/created`, {}, [201]), harness.deps())).resolves.toMatchObject({ status: 'succeeded', outputs: { status: 201 } });
    await expect(callStep(http(`${server.url}/404`, {}, [[400, 499]]), harness.deps())).resolves.toMatchObject({ status: 'succeeded', outputs: { status: 404 } });
  });

  it('fails a 404 with HttpError saying method, url without its query, and status', async () => {
    const inv = http(`${server.url}/404?access_token=hunter2`, { method: 'DELETE' });

    const call = callStep(inv, harness.deps());

    await expect(call).rejects.toMatchObject({ name: ErrorNames.HttpError });
    const message = (await harness.store.steps.get((inv.event.run as { id: string }).id, { step: 'call' }))?.error?.message ?? '';
    expect(message).toContain(`DELETE ${server.url}/404?…`);
    expect(message).toContain('404');
    expect(message).not.toContain('hunter2');
  });

  it('fails a 429 with Throttled', async () => {
    await expect(callStep(http(`${server.url}/429`), harness.deps())).rejects.toMatchObject({ name: ErrorNames.Throttled });
  });

  it('fails a 503 with ServerError', async () => {
    await expect(callStep(http(`${server.url}/503`), harness.deps())).rejects.toMatchObject({
      name: ErrorNames.ServerError,
      message: expect.stringContaining('503'),
    });
  });

  it('fails with NetworkError when nothing listens', async () => {
    const port = await closedPort();

    await expect(callStep(http(`http://127.0.0.1:${port}/x`), harness.deps())).rejects.toMatchObject({
      name: ErrorNames.NetworkError,
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('fails with NetworkError when the answer takes too long', async () => {
    await expect(callStep(http(`${server.url}/slow`), harness.deps({ httpTimeoutMs: 50 }))).rejects.toMatchObject({
      name: ErrorNames.NetworkError,
      message: expect.stringContaining('no answer within'),
    });
  });
});
