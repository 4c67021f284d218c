import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';
import { startFakeAgentApi, type FakeAgentApi, type FakeAgentState } from '../support/fake-agentapi.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.ts';

/**
 * Agent steps through the real local engine: the compiled state machine on the
 * interpreter, the step runtime in-process, and local HTTP servers that speak the
 * Anthropic Messages API and coder/agentapi's protocol.
 */

const API_KEY = 'sk-ant-engine-test-5f3a9c1e7b';
const PROXY_TOKEN = 'proxy-engine-token-c0ffee42';

let h: Harness;
let anthropic: FakeAnthropic;
let agentapi: FakeAgentApi;

/** The fake agentapi server's agent; tests change its behaviour between runs. */
let agent: FakeAgentState;

beforeAll(async () => {
  h = await startHarness({ secrets: new EnvSecrets({ TEST_KEY: API_KEY, PROXY_TOKEN }), agentPollIntervalMs: 20 });
  anthropic = await startFakeAnthropic({ apiKey: API_KEY, answer: (prompt) => `Reviewed: ${prompt}` });
  agentapi = await startFakeAgentApi({ welcome: 'Welcome to the agent', reply: (prompt) => `Done: ${prompt}` });
});

afterAll(async () => {
  await anthropic?.close();
  await agentapi?.close();
  await h?.close();
});

beforeEach(() => {
  h.clearCalls();
  h.events.length = 0;
  anthropic.script = [];
  anthropic.requests.length = 0;
  agentapi.requests.length = 0;
  agentapi.reset();
  agent = agentapi.agent;
});

const probe = 'function: ../steps/probe.ts';

/** Every item of the store's table, as JSON text. */
async function wholeTable(): Promise<string> {
  const items: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await h.dynamo.client.send(new ScanCommand({ TableName: 'baton-runs', ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  // Binary parts (large results) are text too: decode them so a key inside one would show.
  return JSON.stringify(items, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
}

/** The states of a workflow's compiled machine, by name. */
function stateNames(yaml: string): string[] {
  return Object.keys((compile(yaml).asl as { States: Record<string, unknown> }).States);
}

describe('engine: echo agent', () => {
  it('parses a format: json answer and keeps the declared outputs for later steps', async () => {
    const yaml = `name: agents-echo-json
steps:
  plan:
    agent: echo
    prompt: |
      List the tasks as JSON, shaped like:
      {"summary": "two tasks", "tasks": [{"title": "lint"}, {"title": "test"}]}
    format: json
    outputs: [summary, tasks]
  use:
    ${probe}
    needs: plan
    with:
      summary: \${{ steps.plan.outputs.summary }}
      first: \${{ steps.plan.outputs.tasks[0].title }}
outputs:
  tasks: \${{ steps.plan.outputs.tasks }}
`;
    const file = h.write('agents-echo-json', yaml);

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(result.steps.plan).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { summary: 'two tasks', tasks: [{ title: 'lint' }, { title: 'test' }] } });
    expect(h.calls('use')[0].input).toEqual({ summary: 'two tasks', first: 'lint' });
    expect(result.outputs).toEqual({ tasks: [{ title: 'lint' }, { title: 'test' }] });
  });

  it('fails with AgentOutputInvalid when the answer holds no JSON', async () => {
    const file = h.write('agents-echo-nojson', `name: agents-echo-nojson
steps:
  plan: { agent: echo, prompt: "no json here", format: json, retry: 1 }
`);

    const result = await h.run(file);

    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'plan', name: 'AgentOutputInvalid' });
    expect(result.steps.plan).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'AgentOutputInvalid' } });
  });
});

describe('engine: anthropic agent', () => {
  const workflow = (name: string, extra = '', key = 'TEST_KEY') => `name: ${name}
agents:
  reviewer:
    provider: anthropic
    model: claude-test
    base_url: ${anthropic.url}
    api_key: \${{ secrets.${key} }}
    system: You review pull requests. Be brief.
steps:
  review:
    agent: reviewer
    prompt: "Review PR #\${{ inputs.pr }}"
${extra}
inputs:
  pr: { type: integer, default: 7 }
outputs:
  text: \${{ steps.review.outputs.text }}
`;

  it('sends the prompt with the secret key and returns the answer, with the key nowhere in the store or the result', async () => {
    const file = h.write('agents-anthropic-ok', workflow('agents-anthropic-ok'));

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(result.steps.review).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      outputs: { text: 'Reviewed: Review PR #7', agent: 'reviewer', usage: { input_tokens: 12, output_tokens: 7 } },
    });
    expect(result.outputs).toEqual({ text: 'Reviewed: Review PR #7' });
    expect(anthropic.requests).toHaveLength(1);
    expect(anthropic.requests[0].headers['x-api-key']).toBe(API_KEY);
    expect(JSON.parse(anthropic.requests[0].body)).toMatchObject({
      model: 'claude-test',
      system: 'You review pull requests. Be brief.',
      messages: [{ role: 'user', content: 'Review PR #7' }],
    });
    expect(JSON.stringify(result)).not.toContain(API_KEY);
    expect(JSON.stringify(h.events)).not.toContain(API_KEY);
    const table = await wholeTable();
    expect(table).toContain(result.run_id); // the scan did see this run
    expect(table).not.toContain(API_KEY);
  });

  it('retries a 429 under retry.on [Throttled] and succeeds on the second attempt', async () => {
    anthropic.script = [{ status: 429, type: 'rate_limit_error' }];
    const file = h.write('agents-anthropic-429', workflow('agents-anthropic-429', '    retry: { max_attempts: 3, interval: 1s, on: [Throttled] }'));

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(result.steps.review).toMatchObject({ status: 'succeeded', attempts: 2, outputs: { text: 'Reviewed: Review PR #7' } });
    expect(anthropic.requests).toHaveLength(2);
    expect(await wholeTable()).not.toContain(API_KEY);
  });

  it('fails the step and the run with ServerError on a 5xx', async () => {
    anthropic.script = [500, 500, 500].map((status) => ({ status, type: 'api_error' }));
    const file = h.write('agents-anthropic-5xx', workflow('agents-anthropic-5xx', '    retry: 1'));

    const result = await h.run(file);

    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'review', name: 'ServerError' });
    expect(result.steps.review).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'ServerError' } });
    expect(anthropic.requests).toHaveLength(1);
    expect(JSON.stringify(result)).not.toContain(API_KEY);
    expect(await wholeTable()).not.toContain(API_KEY);
  });

  it('does not retry a 5xx that retry.on leaves out', async () => {
    anthropic.script = [503, 503, 503].map((status) => ({ status, type: 'api_error' }));
    const file = h.write('agents-anthropic-5xx-on', workflow('agents-anthropic-5xx-on', '    retry: { max_attempts: 3, interval: 1s, on: [Throttled] }'));

    const result = await h.run(file);

    expect(result.status).toBe('failed');
    expect(result.steps.review).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'ServerError' } });
    expect(anthropic.requests).toHaveLength(1);
  });

  it('does not retry a wrong key, although the step retries other errors', async () => {
    const file = h.write('agents-anthropic-401', workflow('agents-anthropic-401', '    retry: { max_attempts: 3, interval: 1s }', 'PROXY_TOKEN'));

    const result = await h.run(file);

    expect(result.status).toBe('failed');
    expect(result.steps.review).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'AgentUnauthorized' } });
    expect(anthropic.requests).toHaveLength(1);
    expect(await wholeTable()).not.toContain(PROXY_TOKEN);
  });
});

describe('engine: agentapi agent', () => {
  const workflow = (name: string, settings = '', stepExtra = '') => `name: ${name}
agents:
  coder: { provider: agentapi, url: "${agentapi.url}"${settings} }
steps:
  implement:
    agent: coder
${stepExtra}    prompt: "Implement \${{ inputs.task }}"
  after:
    ${probe}
    needs: implement
    with: { text: "\${{ steps.implement.outputs.text }}" }
inputs:
  task: { type: string, default: login }
`;

  it('posts the prompt once and returns the agent\'s answer within one call', async () => {
    const file = h.write('agents-agentapi-quick', workflow('agents-agentapi-quick'));

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(result.steps.implement).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { text: 'Done: Implement login', agent: 'coder' } });
    expect(h.calls('after')[0].input).toEqual({ text: 'Done: Implement login' });
    expect(agentapi.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('runs the check/wait/poll loop for an agent that works past one call\'s budget, posting only once', async () => {
    // Each call may wait 100 ms and looks at the agent every second: so every call
    // (the start and each poll) asks GET /status exactly once, and counting those
    // counts the calls the state machine made.
    const slow = await startHarness({ agentPollBudgetMs: 100 });
    try {
      const yaml = workflow('agents-agentapi-long');
      const file = slow.write('agents-agentapi-long', yaml);
      agent.hold = true;
      const release = setTimeout(() => {
        agent.hold = false;
      }, 600);

      const result = await slow.run(file).finally(() => clearTimeout(release));

      expect(result.status).toBe('succeeded');
      expect(result.steps.implement).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { text: 'Done: Implement login', agent: 'coder' } });
      expect(slow.calls('after')[0].input).toEqual({ text: 'Done: Implement login' });
      expect(agentapi.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      expect(stateNames(yaml)).toEqual(expect.arrayContaining(['implement', 'implement.check', 'implement.wait', 'implement.poll']));
      const calls = agentapi.requests.filter((r) => r.url === '/status').length;
      expect(calls).toBeGreaterThanOrEqual(4); // the start, then at least three polls
      const views = slow.events.flatMap((e) => (e.type === 'step' && e.view.step === 'implement' ? [e.view] : []));
      expect(views[0].status).toBe('running');
      expect(views.at(-1)).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect(views.at(-1)!.endedAt! - views[0].startedAt).toBeGreaterThanOrEqual(550);
    } finally {
      await slow.close();
    }
  });

  it('sends the headers setting, a secret, to the agent and keeps it out of the store', async () => {
    agent.requireHeader = ['X-Proxy-Token', PROXY_TOKEN];
    const file = h.write('agents-agentapi-headers', workflow('agents-agentapi-headers', ', headers: { X-Proxy-Token: "${{ secrets.PROXY_TOKEN }}" }'));

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(result.steps.implement).toMatchObject({ status: 'succeeded', outputs: { text: 'Done: Implement login' } });
    expect(agentapi.requests.every((r) => r.headers['x-proxy-token'] === PROXY_TOKEN)).toBe(true);
    const table = await wholeTable();
    expect(table).toContain(result.run_id);
    expect(table).not.toContain(PROXY_TOKEN);
  });

  it('fails with States.Timeout when the whole session passes the step timeout, each poll being short', async () => {
    const slow = await startHarness({ agentPollBudgetMs: 300 });
    try {
      const file = slow.write('agents-agentapi-timeout', workflow('agents-agentapi-timeout', '', '    timeout: 2s\n    retry: 1\n'));
      agent.hold = true;
      const startedAt = Date.now();

      const result = await slow.run(file);

      expect(result.status).toBe('failed');
      expect(result.error).toMatchObject({ step: 'implement', name: 'States.Timeout' });
      expect(result.steps.implement).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'States.Timeout' } });
      expect(Date.now() - startedAt).toBeLessThan(8000);
      expect(agent.posts).toBe(1);
    } finally {
      await slow.close();
    }
  });
});
