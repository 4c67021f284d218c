import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import type { RuntimeDeps } from '../../../functions/runtime/runtime-deps.ts';
import { startFakeAgentApi, type FakeAgentApi, type FakeAgentState } from '../../support/fake-agentapi.ts';
import { closedPort } from '../../support/http-server.ts';
import { builtIn, callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

const PROXY_TOKEN = 'proxy-token-4b1e9d0c77';

let harness: RuntimeHarness;
let server: FakeAgentApi;
let agent: FakeAgentState;

/** The agent's screen must rest this long before `stable`; one test below uses agentapi's real 2 s. */
const STABILITY_MS = 300;

beforeAll(async () => {
  harness = await startRuntimeHarness({ env: { PROXY_TOKEN } });
  server = await startFakeAgentApi({ welcome: 'Welcome to Claude Code', reply: (prompt) => `  Working on it…\n  Answer to: ${prompt}  ` });
});

beforeEach(() => {
  server.reset({ stabilityMs: STABILITY_MS });
  agent = server.agent;
  harness.logs.length = 0;
});

afterAll(async () => {
  await server.close();
  await harness.stop();
});

function ask(runId: string, prompt: string, phase: 'start' | 'poll' = 'start', extra: { url?: string; headers?: Record<string, unknown>; timeout?: number; format?: 'json' } = {}): StepCall {
  return builtIn('agent', {
    step: 'implement',
    run: runContext(runId),
    phase,
    config: {
      agent: 'claude',
      provider: { provider: 'agentapi', url: extra.url ?? server.url, ...(extra.headers ? { headers: extra.headers } : {}) },
      ...(extra.format ? { format: extra.format } : {}),
    },
    input: { prompt },
    ...(extra.timeout !== undefined ? { timeout_seconds: extra.timeout } : {}),
    ...(extra.headers ? { templates: Object.keys(extra.headers).map((name) => ['config', 'provider', 'headers', name]) } : {}),
  });
}

function deps(overrides: Partial<RuntimeDeps> = {}): RuntimeDeps {
  return harness.deps({ agentPollIntervalMs: 50, ...overrides });
}

const answerTo = (prompt: string) => `Working on it…\n  Answer to: ${prompt}`;

describe('agent: agentapi, finding our answer in a shared conversation', () => {
  it('waits for an agent busy with another client, posts once, and returns the answer to its own prompt', async () => {
    agent.hold = true;
    agent.submit('Someone else: update the docs');
    setTimeout(() => (agent.hold = false), 200);

    const response = await callStep(ask(newRunId(), 'Fix the bug'), deps());

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { text: answerTo('Fix the bug'), agent: 'claude' } });
    expect(agent.posts).toBe(2);
    expect(agent.busyRefusals).toBe(0); // it waited for `stable` instead of posting into a busy agent
  });

  it('answers with the turn after its own message, not the newest agent message, when another run posts right after', async () => {
    let posted = false;
    agent.onRequest = (req) => {
      // Once our prompt is in, arm the other client: it posts the moment the agent is free.
      if (posted && !agent.onStable) agent.onStable = () => agent.submit('Other run: write the changelog');
      if (req.method === 'POST') posted = true;
    };

    const response = await callStep(ask(newRunId(), 'Fix the bug'), deps());

    expect(response.outputs).toStrictEqual({ text: answerTo('Fix the bug'), agent: 'claude' });
    const contents = agent.messages.map((m) => m.content);
    expect(contents.at(-2)).toBe('Other run: write the changelog'); // the conversation went on without us
    expect(agent.status()).toBe('running');
  });

  it('skips an earlier run\'s identical prompt: only a message after the count it noted is ours', async () => {
    agent.pastTurn('Fix the bug', 'An old answer from yesterday');

    const response = await callStep(ask(newRunId(), 'Fix the bug'), deps());

    expect(response.outputs).toMatchObject({ text: answerTo('Fix the bug') });
  });

  it('finds its message although agentapi stores the prompt trimmed (a YAML block ends in a newline)', async () => {
    const response = await callStep(ask(newRunId(), '  Fix the bug\n\n'), deps());

    expect(response.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    const post = server.requests.filter((r) => r.method === 'POST').at(-1)!;
    expect(JSON.parse(post.body)).toStrictEqual({ content: 'Fix the bug', type: 'user' });
  });

  it('refuses an empty prompt before agentapi does (it answers 500)', async () => {
    await expect(callStep(ask(newRunId(), ' \n '), deps())).rejects.toMatchObject({ name: ErrorNames.InputInvalid });
    expect(agent.posts).toBe(0);
  });

  it("does not take a screen as stable before agentapi's 2 s of stillness", async () => {
    server.reset({ stabilityMs: 2000 });
    agent = server.agent;
    const startedAt = Date.now();

    const response = await callStep(ask(newRunId(), 'Fix the bug'), deps());

    expect(response.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
  });
});

describe('agent: agentapi, across calls', () => {
  it('answers done: false when the budget runs out, then a poll continues without posting again', async () => {
    const runId = newRunId();
    agent.hold = true;
    const short = deps({ agentPollBudgetMs: 100 });

    const started = await callStep(ask(runId, 'Refactor auth'), short);
    const saved = await harness.store.steps.get(runId, { step: 'implement' });
    const stillWorking = await callStep(ask(runId, 'Refactor auth', 'poll'), short);
    agent.hold = false;
    const finished = await callStep(ask(runId, 'Refactor auth', 'poll'), deps({ agentPollBudgetMs: 5000 }));

    expect(started).toStrictEqual({ status: 'running', outputs: null });
    expect(saved).toMatchObject({ status: 'running', attempts: 1, state: { stage: 'submitted', message_count: 1, session_started_at: expect.any(String) } });
    expect(stillWorking).toStrictEqual({ status: 'running', outputs: null });
    expect(finished).toStrictEqual({ status: 'succeeded', outputs: { text: answerTo('Refactor auth'), agent: 'claude' } });
    expect(agent.posts).toBe(1);
    expect(await harness.store.steps.get(runId, { step: 'implement' })).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('keeps waiting across calls for a busy agent before it submits', async () => {
    const runId = newRunId();
    agent.hold = true;
    agent.submit('Someone else: a long task');

    const started = await callStep(ask(runId, 'Add tests'), deps({ agentPollBudgetMs: 100 }));
    const saved = await harness.store.steps.get(runId, { step: 'implement' });
    agent.hold = false;
    const finished = await callStep(ask(runId, 'Add tests', 'poll'), deps({ agentPollBudgetMs: 5000 }));

    expect(started).toStrictEqual({ status: 'running', outputs: null });
    expect(saved?.state).toMatchObject({ stage: 'queued' });
    expect(finished.outputs).toMatchObject({ text: answerTo('Add tests') });
    expect(agent.posts).toBe(2);
  });

  it('refuses to poll when nothing was submitted', async () => {
    await expect(callStep(ask(newRunId(), 'x', 'poll'), deps())).rejects.toMatchObject({ name: ErrorNames.AgentError });
  });
});

describe('agent: agentapi, never posting twice', () => {
  it('takes a busy 500 (another client posted first) as "wait", not as a server fault', async () => {
    agent.onRequest = (req) => {
      if (req.method === 'POST' && agent.busyRefusals === 0 && agent.posts === 0) agent.submit('Other run: got there first');
    };

    const response = await callStep(ask(newRunId(), 'Fix the bug'), deps());

    expect(response.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    expect(agent.busyRefusals).toBe(1);
    expect(agent.posts).toBe(2);
  });

  it('does not post again when the POST timed out after agentapi took the prompt', async () => {
    agent.postDelayMs = 700; // agentapi is still typing the prompt into the terminal
    const before = server.requests.length;

    const response = await callStep(ask(newRunId(), 'Fix the bug'), deps({ httpTimeoutMs: 200 }));

    expect(response.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    expect(agent.posts).toBe(1);
    expect(server.requests.slice(before).filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a retried submit (the Lambda had posted, Step Functions ran the Task again) does not post again', async () => {
    const runId = newRunId();
    agent.hold = true;

    const first = await callStep(ask(runId, 'Fix the bug'), deps({ agentPollBudgetMs: 100 }));
    const retried = await callStep(ask(runId, 'Fix the bug'), deps({ agentPollBudgetMs: 100 }));
    agent.hold = false;
    const finished = await callStep(ask(runId, 'Fix the bug', 'poll'), deps());

    expect(first.status).toBe('running');
    expect(retried.status).toBe('running');
    expect(finished.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    expect(agent.posts).toBe(1);
    expect(await harness.store.steps.get(runId, { step: 'implement' })).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('looks past a proxy failing right after the prompt landed, instead of failing (and losing) the submission', async () => {
    const runId = newRunId();
    let posted = false;
    agent.onRequest = (req) => {
      if (posted) {
        agent.failWith = { status: 502, times: 2 };
        agent.onRequest = undefined;
      }
      if (req.method === 'POST') posted = true;
    };

    const response = await callStep(ask(runId, 'Fix the bug'), deps());

    expect(response.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    expect(agent.posts).toBe(1);
    expect(await harness.store.steps.get(runId, { step: 'implement' })).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('after a POST that failed at the proxy, looks for the prompt, and fails only once it knows it did not land', async () => {
    const runId = newRunId();
    agent.onRequest = (req) => {
      if (req.method === 'POST') agent.failWith = { status: 502, times: 1 }; // this very POST fails at the proxy
    };

    await expect(callStep(ask(runId, 'Fix the bug'), deps())).rejects.toMatchObject({ name: ErrorNames.ServerError });
    agent.onRequest = undefined;
    const retried = await callStep(ask(runId, 'Fix the bug'), deps());

    expect(retried.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    expect(agent.posts).toBe(1);
  });

  it('asks again after an attempt that got its answer and failed on it (format: json)', async () => {
    const runId = newRunId();

    await expect(callStep(ask(runId, 'List the tasks', 'start', { format: 'json' }), deps())).rejects.toMatchObject({ name: ErrorNames.AgentOutputInvalid });
    agent.reply = () => '{"tasks": ["lint"]}';
    const retried = await callStep(ask(runId, 'List the tasks', 'start', { format: 'json' }), deps());

    expect(retried.outputs).toStrictEqual({ tasks: ['lint'] });
    expect(agent.posts).toBe(2);
  });
});

describe('agent: agentapi, a screen waiting for a person', () => {
  const question = 'Do you want to proceed?\n❯ 1. Yes\n  2. Yes, and don\'t ask again this session (shift+tab)\n  3. No, and tell Claude what to do differently (esc)';

  it('is not an answer although agentapi says stable; the answer comes once someone presses a key', async () => {
    agent.reply = (prompt) => ({ text: `Ran it. Answer to: ${prompt}`, asks: question });
    const runId = newRunId();

    const waiting = await callStep(ask(runId, 'Fix the bug'), deps({ agentPollBudgetMs: 1200 }));
    const stableMeanwhile = agent.status();
    agent.submit('1', 'raw'); // a person answers in agentapi's chat (raw keystrokes)
    const finished = await callStep(ask(runId, 'Fix the bug', 'poll'), deps());

    expect(waiting).toStrictEqual({ status: 'running', outputs: null });
    expect(stableMeanwhile).toBe('stable');
    expect(finished.outputs).toMatchObject({ text: 'Ran it. Answer to: Fix the bug' });
    expect(harness.logs).toContainEqual(expect.objectContaining({ event: 'agent.waiting_for_user', question: '❯ 1. Yes' }));
  });

  it("does not post into another client's pending question", async () => {
    agent.reply = (prompt) => (prompt.startsWith('Other') ? { text: 'done', asks: question } : answerTo(prompt));
    agent.submit('Other run: deploy');
    const runId = newRunId();

    const started = await callStep(ask(runId, 'Fix the bug'), deps({ agentPollBudgetMs: 1000 }));

    expect(started).toStrictEqual({ status: 'running', outputs: null });
    expect(agent.posts).toBe(1);
    expect(agent.status()).toBe('stable');
  });
});

describe('agent: agentapi over the acp transport', () => {
  it('gives up on a POST that lasts the whole task within its budget, and a poll collects the answer', async () => {
    server.reset({ transport: 'acp' });
    agent = server.agent;
    agent.reply = (prompt) => ({ text: `Answer to: ${prompt}`, workMs: 1500 });
    const runId = newRunId();
    const short = deps({ agentPollBudgetMs: 300, httpTimeoutMs: 300 });
    const startedAt = Date.now();

    const started = await callStep(ask(runId, 'Fix the bug'), short);
    const elapsed = Date.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const finished = await callStep(ask(runId, 'Fix the bug', 'poll'), short);

    expect(started).toStrictEqual({ status: 'running', outputs: null });
    expect(elapsed).toBeLessThan(1400);
    expect(finished.outputs).toMatchObject({ text: 'Answer to: Fix the bug' });
    expect(agent.posts).toBe(1);
  });
});

describe('agent: agentapi, the session and the step timeout', () => {
  it('fails with States.Timeout once the whole session passes timeout_seconds, though each call was short', async () => {
    const runId = newRunId();
    agent.hold = true;
    const startedAt = Date.now();

    const started = await callStep(ask(runId, 'Refactor auth', 'start', { timeout: 1 }), deps({ agentPollBudgetMs: 600 }));
    let failure: unknown;
    for (let polls = 0; polls < 10 && failure === undefined; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the state machine's Wait between polls
      failure = await callStep(ask(runId, 'Refactor auth', 'poll', { timeout: 1 }), deps({ agentPollBudgetMs: 600 })).then(
        () => undefined,
        (error: unknown) => error,
      );
    }

    expect(started.status).toBe('running');
    expect(failure).toMatchObject({ name: 'States.Timeout' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - startedAt).toBeLessThan(2500);
    expect(await harness.store.steps.get(runId, { step: 'implement' })).toMatchObject({ status: 'failed', error: { name: 'States.Timeout' } });
    expect(agent.posts).toBe(1);
  });
});

describe('agent: agentapi, HTTP answers', () => {
  it.each([
    [503, ErrorNames.ServerError],
    [429, ErrorNames.Throttled],
    [401, ErrorNames.AgentUnauthorized],
    [403, ErrorNames.AgentForbidden],
  ])('maps a %i from the server to %s', async (status, name) => {
    agent.failWith = { status };

    await expect(callStep(ask(newRunId(), 'x'), deps())).rejects.toMatchObject({ name });
  });

  it('maps a wrong path (chi\'s 404) to AgentRequestInvalid, which is never retried by default', async () => {
    await expect(callStep(ask(newRunId(), 'x', 'start', { url: `${server.url}/nope` }), deps())).rejects.toMatchObject({
      name: ErrorNames.AgentRequestInvalid,
    });
  });

  it('waits out a 429 whose retry-after fits in the budget', async () => {
    agent.failWith = { status: 429, headers: { 'retry-after': '1' }, times: 1 };
    const startedAt = Date.now();

    const response = await callStep(ask(newRunId(), 'Fix the bug'), deps());

    expect(response.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
  });

  it('sends the headers setting (a proxy token from a secret) and stores it nowhere', async () => {
    agent.requireHeader = ['X-Proxy-Token', PROXY_TOKEN];
    const runId = newRunId();

    const response = await callStep(ask(runId, 'Fix the bug', 'start', { headers: { 'X-Proxy-Token': { 'baton:template': [{ secret: 'PROXY_TOKEN' }] } } }), deps());

    expect(response.outputs).toMatchObject({ text: answerTo('Fix the bug') });
    const { Items } = await harness.dynamo.doc.send(new ScanCommand({ TableName: harness.store.tableName }));
    expect(JSON.stringify(Items)).toContain(runId);
    expect(JSON.stringify(Items)).not.toContain(PROXY_TOKEN);
  });

  it('fails with NetworkError when the server is gone', async () => {
    const port = await closedPort();

    await expect(callStep(ask(newRunId(), 'x', 'start', { url: `http://127.0.0.1:${port}` }), deps())).rejects.toMatchObject({
      name: ErrorNames.NetworkError,
    });
  });
});
