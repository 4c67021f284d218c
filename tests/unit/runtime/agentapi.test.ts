import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentInvocation } from '../../../functions/runtime/contract.ts';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { invokeStep } from '../../../functions/runtime/invoke-step.ts';
import { closedPort, sendJson, startHttpServer, type TestServer } from '../../support/http-server.ts';
import { newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

/**
 * A stand-in for an agentapi server: `running` while the agent works (`busyFor`
 * more /status calls, or until `hold` is released), then `stable` with its answer
 * appended; POST /message is refused unless stable, as agentapi does.
 */
interface FakeAgent {
  status: 'stable' | 'running';
  busyFor: number;
  hold: boolean;
  messages: Array<{ id: number; role: 'user' | 'agent'; content: string; time: string }>;
  posts: number;
  failStatusWith?: number;
}

let agent: FakeAgent;
let harness: RuntimeHarness;
let server: TestServer;

function say(role: 'user' | 'agent', content: string): void {
  agent.messages.push({ id: agent.messages.length, role, content, time: new Date().toISOString() });
}

beforeAll(async () => {
  harness = await startRuntimeHarness();
  server = await startHttpServer((req, res) => {
    if (req.method === 'GET' && req.url === '/status') {
      if (agent.failStatusWith) return sendJson(res, agent.failStatusWith, { title: 'boom' });
      if (agent.status === 'running' && !agent.hold) {
        if (agent.busyFor > 0) agent.busyFor--;
        else {
          agent.status = 'stable';
          const question = agent.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
          say('agent', `  Working on it…\n  Answer to: ${question}  `);
        }
      }
      return sendJson(res, 200, { agent_type: 'claude', status: agent.status });
    }
    if (req.method === 'GET' && req.url === '/messages') return sendJson(res, 200, { messages: agent.messages });
    if (req.method === 'POST' && req.url === '/message') {
      if (agent.status !== 'stable') return sendJson(res, 409, { title: 'Conflict', detail: 'agent is running' });
      const body = JSON.parse(req.body) as { content: string; type: string };
      if (body.type !== 'user') return sendJson(res, 422, { title: 'bad type' });
      agent.posts++;
      say('user', body.content);
      agent.status = 'running';
      agent.busyFor = 2;
      return sendJson(res, 200, { ok: true });
    }
    sendJson(res, 404, { title: 'Not Found' });
  });
});

beforeEach(() => {
  agent = { status: 'stable', busyFor: 0, hold: false, messages: [], posts: 0 };
  say('agent', 'Welcome to Claude Code');
});

afterAll(async () => {
  await server.close();
  await harness.stop();
});

function ask(runId: string, prompt: string, phase: 'start' | 'poll' = 'start', url = server.url): AgentInvocation {
  return {
    kind: 'agent',
    workflow: 'wf',
    step: 'implement',
    run: runContext(runId),
    phase,
    config: { agent: 'claude', provider: { provider: 'agentapi', url } },
    input: { prompt },
  };
}

describe('agent: agentapi', () => {
  it('waits for the agent to be free, posts once, and returns its newest answer', async () => {
    agent.status = 'running';
    agent.busyFor = 1; // busy with something else first

    const response = await invokeStep(ask(newRunId(), 'Fix the bug'), harness.deps());

    expect(response).toStrictEqual({ outputs: { text: 'Working on it…\n  Answer to: Fix the bug', agent: 'claude' }, done: true });
    expect(agent.posts).toBe(1);
  });

  it('answers done: false when the budget runs out, then a poll continues without posting again', async () => {
    const runId = newRunId();
    agent.hold = true;
    const deps = harness.deps({ agentPollBudgetMs: 60 });

    const started = await invokeStep(ask(runId, 'Refactor auth'), deps);
    const saved = await harness.store.getStep(runId, { step: 'implement' });
    const stillWorking = await invokeStep(ask(runId, 'Refactor auth', 'poll'), deps);
    agent.hold = false;
    const finished = await invokeStep(ask(runId, 'Refactor auth', 'poll'), deps);

    expect(started).toStrictEqual({ outputs: null, done: false });
    expect(saved).toMatchObject({ status: 'running', attempts: 1, state: { stage: 'submitted', message_count: 1 } });
    expect(stillWorking).toStrictEqual({ outputs: null, done: false });
    expect(finished).toStrictEqual({ outputs: { text: 'Working on it…\n  Answer to: Refactor auth', agent: 'claude' }, done: true });
    expect(agent.posts).toBe(1);
    expect(await harness.store.getStep(runId, { step: 'implement' })).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('keeps waiting across calls for a busy agent before it submits', async () => {
    const runId = newRunId();
    agent.status = 'running';
    agent.hold = true;

    const started = await invokeStep(ask(runId, 'Add tests'), harness.deps({ agentPollBudgetMs: 30 }));
    agent.hold = false;
    const finished = await invokeStep(ask(runId, 'Add tests', 'poll'), harness.deps({ agentPollBudgetMs: 5000 }));

    expect(started).toStrictEqual({ outputs: null, done: false });
    expect(finished.done).toBe(true);
    expect(finished.outputs).toMatchObject({ text: expect.stringContaining('Answer to: Add tests') });
    expect(agent.posts).toBe(1);
  });

  it('refuses to poll when nothing was submitted', async () => {
    await expect(invokeStep(ask(newRunId(), 'x', 'poll'), harness.deps())).rejects.toMatchObject({ name: ErrorNames.AgentError });
  });

  it.each([
    [503, ErrorNames.ServerError],
    [429, ErrorNames.Throttled],
    [403, ErrorNames.AgentError],
  ])('maps a %i from the server to %s', async (status, name) => {
    agent.failStatusWith = status;

    await expect(invokeStep(ask(newRunId(), 'x'), harness.deps())).rejects.toMatchObject({ name });
  });

  it('fails with NetworkError when the server is gone', async () => {
    const port = await closedPort();

    await expect(invokeStep(ask(newRunId(), 'x', 'start', `http://127.0.0.1:${port}`), harness.deps())).rejects.toMatchObject({
      name: ErrorNames.NetworkError,
    });
  });
});
