import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { startFakeAgentApi, type FakeAgentApi, type FakeAgentState } from '../../support/fake-agentapi.ts';
import { closedPort } from '../../support/http-server.ts';
import { builtIn, callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

let harness: RuntimeHarness;
let server: FakeAgentApi;
let agent: FakeAgentState;

beforeAll(async () => {
  harness = await startRuntimeHarness();
  server = await startFakeAgentApi({ welcome: 'Welcome to Claude Code', busyAfterPost: 2, answer: (question) => `  Working on it…\n  Answer to: ${question}  ` });
});

beforeEach(() => {
  server.reset();
  agent = server.agent;
});

afterAll(async () => {
  await server.close();
  await harness.stop();
});

function ask(runId: string, prompt: string, phase: 'start' | 'poll' = 'start', url = server.url): StepCall {
  return builtIn('agent', {
    step: 'implement',
    run: runContext(runId),
    phase,
    config: { agent: 'claude', provider: { provider: 'agentapi', url } },
    input: { prompt },
  });
}

describe('agent: agentapi', () => {
  it('waits for the agent to be free, posts once, and returns its newest answer', async () => {
    agent.status = 'running';
    agent.busyPolls = 1; // busy with something else first

    const response = await callStep(ask(newRunId(), 'Fix the bug'), harness.deps());

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { text: 'Working on it…\n  Answer to: Fix the bug', agent: 'claude' } });
    expect(agent.posts).toBe(1);
  });

  it('answers done: false when the budget runs out, then a poll continues without posting again', async () => {
    const runId = newRunId();
    agent.hold = true;
    const deps = harness.deps({ agentPollBudgetMs: 60 });

    const started = await callStep(ask(runId, 'Refactor auth'), deps);
    const saved = await harness.store.steps.get(runId, { step: 'implement' });
    const stillWorking = await callStep(ask(runId, 'Refactor auth', 'poll'), deps);
    agent.hold = false;
    const finished = await callStep(ask(runId, 'Refactor auth', 'poll'), deps);

    expect(started).toStrictEqual({ status: 'running', outputs: null });
    expect(saved).toMatchObject({ status: 'running', attempts: 1, state: { stage: 'submitted', message_count: 1 } });
    expect(stillWorking).toStrictEqual({ status: 'running', outputs: null });
    expect(finished).toStrictEqual({ status: 'succeeded', outputs: { text: 'Working on it…\n  Answer to: Refactor auth', agent: 'claude' } });
    expect(agent.posts).toBe(1);
    expect(await harness.store.steps.get(runId, { step: 'implement' })).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('keeps waiting across calls for a busy agent before it submits', async () => {
    const runId = newRunId();
    agent.status = 'running';
    agent.hold = true;

    const started = await callStep(ask(runId, 'Add tests'), harness.deps({ agentPollBudgetMs: 30 }));
    agent.hold = false;
    const finished = await callStep(ask(runId, 'Add tests', 'poll'), harness.deps({ agentPollBudgetMs: 5000 }));

    expect(started).toStrictEqual({ status: 'running', outputs: null });
    expect(finished.status).toBe('succeeded');
    expect(finished.outputs).toMatchObject({ text: expect.stringContaining('Answer to: Add tests') });
    expect(agent.posts).toBe(1);
  });

  it('refuses to poll when nothing was submitted', async () => {
    await expect(callStep(ask(newRunId(), 'x', 'poll'), harness.deps())).rejects.toMatchObject({ name: ErrorNames.AgentError });
  });

  it.each([
    [503, ErrorNames.ServerError],
    [429, ErrorNames.Throttled],
    [403, ErrorNames.AgentError],
  ])('maps a %i from the server to %s', async (status, name) => {
    agent.failStatusWith = status;

    await expect(callStep(ask(newRunId(), 'x'), harness.deps())).rejects.toMatchObject({ name });
  });

  it('fails with NetworkError when the server is gone', async () => {
    const port = await closedPort();

    await expect(callStep(ask(newRunId(), 'x', 'start', `http://127.0.0.1:${port}`), harness.deps())).rejects.toMatchObject({
      name: ErrorNames.NetworkError,
    });
  });
});
