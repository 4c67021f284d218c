import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepHandler } from '../../functions/step/handler.ts';
import { manifestOf, PREFIX, startApiHarness, type ApiHarness } from '../support/api-harness.ts';

const GREET = manifestOf(`
name: greet
description: Says hello.
inputs:
  name: { type: string, required: true }
  times: { type: integer, default: 1 }
  mood: { type: string, enum: [happy, sad], default: happy }
steps:
  hello:
    http: { url: "https://example.com/hello" }
`);

const PAGER = manifestOf(`
name: pager
steps:
  one:
    http: { url: "https://example.com/" }
`);

const CLOSED = manifestOf(`
name: closed
on:
  api: false
  schedule: ['rate(1 day)']
steps:
  one:
    http: { url: "https://example.com/" }
`);

const GATE = manifestOf(`
name: gate
steps:
  ask:
    approval: { message: "Ship it?", timeout: 1h }
`);

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness([GREET, PAGER, CLOSED, GATE]);
});
afterAll(() => h.stop());

let count = 0;
const id = (label: string) => `${label}-${process.pid}-${++count}`;
const arnOf = (workflow: string, name: string) => `${PREFIX.replace(':stateMachine:', ':execution:')}${workflow}:${name}`;

async function started(label = 'run', workflow = 'greet', inputs: Record<string, unknown> = { name: 'Ada' }) {
  const runId = id(label);
  const answer = await h.call('POST', `/workflows/${workflow}/runs`, { inputs, run_id: runId });
  expect(answer.status).toBe(202);
  return { runId, arn: answer.body.execution_arn as string };
}

describe('API: GET /workflows', () => {
  it('lists the deployed workflows with their inputs and triggers', async () => {
    const { status, body } = await h.call('GET', '/workflows');
    expect(status).toBe(200);
    expect(body.workflows.map((w: { name: string }) => w.name)).toEqual(['closed', 'gate', 'greet', 'pager']);
    expect(body.workflows.find((w: { name: string }) => w.name === 'greet')).toMatchObject({
      description: 'Says hello.',
      api: true,
      inputs: { name: { type: 'string', required: true }, times: { type: 'integer', default: 1 } },
    });
    expect(body.workflows.find((w: { name: string }) => w.name === 'closed')).toMatchObject({ api: false, schedules: ['rate(1 day)'] });
  });
});

describe('API: POST /workflows/{name}/runs', () => {
  it('starts a run: 202 with its run id, execution ARN and console link; the execution input is the contract’s', async () => {
    const runId = id('start');
    const { status, body } = await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'Ada', times: 2 }, run_id: runId });
    expect(status).toBe(202);
    const arn = arnOf('greet', runId);
    expect(body).toEqual({
      run_id: runId,
      execution_arn: arn,
      console_url: `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
    });
    const [call] = h.sfn.starts(runId);
    expect(call.args[0].input).toMatchObject({ stateMachineArn: `${PREFIX}greet`, name: runId });
    const input = JSON.parse(call.args[0].input.input!);
    expect(input).toEqual({
      inputs: { name: 'Ada', times: 2, mood: 'happy' },
      run: { id: runId, workflow: 'greet', started_at: expect.any(String), attempt: 1 },
      trigger: { event: 'api', payload: {} },
      steps: {},
    });
    // The record was there first, with the ARN, so run.start finds it.
    expect(await h.runtime.store.runs.get(runId)).toMatchObject({ status: 'running', execution_arn: arn, inputs: { name: 'Ada', times: 2, mood: 'happy' } });
  });

  it('generates a run id when none is given', async () => {
    const { status, body } = await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'Bo' } });
    expect(status).toBe(202);
    expect(body.run_id).toMatch(/^greet-[a-z0-9]+$/);
    expect(h.sfn.starts(body.run_id)).toHaveLength(1);
  });

  it('refuses bad inputs with 400 listing every problem, and starts nothing', async () => {
    const runId = id('bad');
    const before = h.sfn.starts().length;
    const { status, body } = await h.call('POST', '/workflows/greet/runs', { inputs: { times: 'twice', mood: 'angry', colour: 'red' }, run_id: `${runId} has/space` });
    expect(status).toBe(400);
    expect(body.error).toBe('InputInvalid');
    expect(body.problems).toHaveLength(5);
    expect(body.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("unknown input 'colour'"),
        expect.stringContaining("input 'name' is required"),
        expect.stringContaining("input 'times' must be an integer"),
        expect.stringContaining("input 'mood' is \"angry\""),
        expect.stringContaining('run_id must not contain whitespace'),
      ]),
    );
    expect(h.sfn.starts().length).toBe(before);
    expect(await h.runtime.store.runs.get(`${runId} has/space`)).toBeUndefined();
  });

  it('refuses inputs too large for Step Functions (256 KB of execution input) with 400, and records nothing', async () => {
    const runId = id('huge');
    const before = h.sfn.starts().length;
    // Multi-byte characters: the limit counts UTF-8 bytes, not characters.
    const { status, body } = await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'ü'.repeat(140_000) }, run_id: runId });
    expect(status).toBe(400);
    expect(body.problems).toEqual([expect.stringMatching(/^the run's input \(its inputs and trigger\) is 274 KB of JSON, and Step Functions starts an execution with at most 256 KB/)]);
    expect(h.sfn.starts().length).toBe(before);
    expect(await h.runtime.store.runs.get(runId)).toBeUndefined();
    // Just under the limit starts.
    expect((await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'ü'.repeat(125_000) }, run_id: id('big') })).status).toBe(202);
  });

  it('lists body problems and input problems together', async () => {
    const { status, body } = await h.call('POST', '/workflows/greet/runs', { input: { name: 'typo' }, inputs: { times: 1.5 } });
    expect(status).toBe(400);
    expect(body.problems).toEqual([expect.stringContaining('body'), expect.stringContaining("input 'name' is required"), expect.stringContaining("input 'times' must be an integer")]);
    expect(body.problems[0]).toContain('input');
  });

  it('refuses a body that is not JSON, and a run id longer than 80 characters', async () => {
    const notJson = await h.call('POST', '/workflows/greet/runs', '{"inputs": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toContain('not JSON');
    const long = await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'x' }, run_id: 'x'.repeat(81) });
    expect(long.status).toBe(400);
    expect(long.body.problems).toEqual([expect.stringContaining('1 to 80 characters')]);
  });

  it('answers 404 for an unknown workflow and 403 for one closed to the API', async () => {
    expect(await h.call('POST', '/workflows/nope/runs', { inputs: {} })).toMatchObject({ status: 404, body: { error: 'Baton.WorkflowNotFound' } });
    expect(await h.call('POST', '/workflows/closed/runs', {})).toMatchObject({ status: 403, body: { error: 'Baton.ApiStartDisabled' } });
  });

  it('creates one run and one execution for 20 identical requests at once, and gives them all the same answer', async () => {
    const runId = id('twenty');
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.call('POST', '/workflows/greet/runs', { inputs: { name: 'Ada' }, run_id: runId })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(h.sfn.starts(runId)).toHaveLength(1);
    expect(h.sfn.executions.has(arnOf('greet', runId))).toBe(true);
    const page = await h.runtime.store.runs.page({ workflow: 'greet', limit: 100 });
    expect(page.runs.filter((r) => r.run_id === runId)).toHaveLength(1);
  });

  it('refuses a run id reused with other inputs (409) and answers a repeated request as the first', async () => {
    const { runId, arn } = await started('reuse');
    expect(await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'Ada' }, run_id: runId })).toMatchObject({ status: 202, body: { execution_arn: arn } });
    expect(await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'Eve' }, run_id: runId })).toMatchObject({ status: 409, body: { error: 'Baton.RunExists' } });
    expect(await h.call('POST', '/workflows/pager/runs', { run_id: runId })).toMatchObject({ status: 409, body: { error: 'Baton.RunExists' } });
    expect(h.sfn.starts(runId)).toHaveLength(1);
  });

  it('starts the execution of a run whose first request died between its two writes', async () => {
    const runId = id('orphan');
    const old = new Date(Date.now() - 60_000).toISOString();
    await h.runtime.store.runs.create({ run_id: runId, workflow: 'greet', inputs: { name: 'Ada', times: 1, mood: 'happy' }, trigger: { event: 'api', payload: {} }, status: 'running', started_at: old, execution_arn: arnOf('greet', runId) });
    const { status } = await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'Ada' }, run_id: runId });
    expect(status).toBe(202);
    expect(h.sfn.starts(runId)).toHaveLength(1);
    expect(JSON.parse(h.sfn.starts(runId)[0].args[0].input.input!).run.started_at).toBe(old);
  });

  it('answers 500 without a stack trace when something unexpected breaks', async () => {
    const runId = id('boom');
    h.sfn.mock.on(StartExecutionCommand, { name: runId }).rejects(Object.assign(new Error('kaboom'), { stack: 'Error: kaboom\n    at secret/place.ts:1:1' }));
    const { status, body } = await h.call('POST', '/workflows/greet/runs', { inputs: { name: 'Ada' }, run_id: runId });
    expect(status).toBe(500);
    expect(body.error).toBe('InternalError');
    expect(JSON.stringify(body)).not.toMatch(/kaboom|place\.ts|\bat\b.*:\d+/);
  });
});

describe('API: GET /runs and GET /runs/{id}', () => {
  it('answers the run result with its execution ARN and console link, 404 for an unknown run', async () => {
    const { runId, arn } = await started('show');
    const { status, body } = await h.call('GET', `/runs/${runId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ run_id: runId, workflow: 'greet', status: 'running', inputs: { name: 'Ada' }, steps: {}, execution_arn: arn });
    expect(body.console_url).toContain('eu-west-1.console.aws.amazon.com');
    expect(await h.call('GET', `/runs/${id('ghost')}`)).toMatchObject({ status: 404, body: { error: 'Baton.RunNotFound' } });
  });

  it('pages through a workflow’s runs, newest first, with the cursor it gave', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await started('page', 'pager', {})).runId);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await h.call('GET', `/runs?workflow=pager&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(status).toBe(200);
      expect(body.runs.length).toBeLessThanOrEqual(2);
      seen.push(...body.runs.map((r: { run_id: string }) => r.run_id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);
  });

  it('without ?workflow=, pages through the runs of every workflow it serves, merged newest first, with no scan', async () => {
    for (const workflow of ['greet', 'pager', 'gate', 'greet', 'pager']) {
      await started('all', workflow, workflow === 'greet' ? { name: 'Ada' } : {});
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    // A run of a workflow this API does not serve (another stack's, or one removed since).
    await h.runtime.store.runs.create({ run_id: id('elsewhere'), workflow: 'elsewhere', inputs: {} });
    const scans = h.runtime.store.runs as unknown as { scanPage: (...args: unknown[]) => unknown };
    const scan = scans.scanPage;
    let scanned = 0;
    scans.scanPage = (...args) => {
      scanned++;
      return scan.apply(h.runtime.store.runs, args);
    };
    const collect = async (query: string) => {
      const seen: Array<{ run_id: string; workflow: string; started_at: string }> = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const { status, body } = await h.call('GET', `/runs?limit=3${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(status).toBe(200);
        expect(body.runs.length).toBeGreaterThan(0); // never an empty last page
        seen.push(...body.runs);
        cursor = body.next_cursor;
        if (!cursor) break;
      }
      return seen;
    };
    try {
      const all = await collect('');
      const each = (await Promise.all(['closed', 'gate', 'greet', 'pager'].map((w) => collect(`&workflow=${w}`).catch(() => [])))).flat();
      const order = (r: { run_id: string; started_at: string }) => `${r.started_at}#${r.run_id}`;
      expect(all.map((r) => r.run_id)).toEqual([...each].sort((a, b) => (order(a) < order(b) ? 1 : -1)).map((r) => r.run_id));
      expect(new Set(all.map((r) => r.run_id)).size).toBe(all.length);
      expect(all.map((r) => r.workflow)).not.toContain('elsewhere');
      expect(all.length).toBeGreaterThanOrEqual(5);
      expect(scanned).toBe(0);
    } finally {
      scans.scanPage = scan;
    }
  });

  it('refuses a bad limit or cursor with 400', async () => {
    expect(await h.call('GET', '/runs?workflow=pager&limit=0')).toMatchObject({ status: 400, body: { problems: [expect.stringContaining('query.limit')] } });
    expect(await h.call('GET', '/runs?workflow=pager&cursor=not-a-cursor')).toMatchObject({ status: 400, body: { problems: [expect.stringContaining('cursor')] } });
  });

  it('answers 404 for a route that does not exist, as JSON', async () => {
    expect(await h.call('GET', '/nothing/here')).toMatchObject({ status: 404, body: { error: 'RouteNotFound' } });
  });
});

describe('API: control', () => {
  it('cancels a running run: StopExecution now, and cancelled once Step Functions says it stopped', async () => {
    const { runId, arn } = await started('cancel');
    const { status, body } = await h.call('POST', `/runs/${runId}/cancel`);
    expect(status).toBe(202);
    expect(body).toMatchObject({ run_id: runId, requested: 'cancel' });
    expect(h.sfn.stops()).toContainEqual(expect.objectContaining({ executionArn: arn, error: 'Baton.RunCancelled', cause: expect.stringContaining('ada') }));
    await h.events(h.sfn.end(arn, 'ABORTED'));
    expect(await h.runtime.store.runs.get(runId)).toMatchObject({ status: 'cancelled', ended_at: expect.any(String) });
  });

  it('refuses to cancel or pause a finished run (409), and an unknown one (404)', async () => {
    const { runId } = await started('finished');
    await h.runtime.store.runs.update(runId, { status: 'succeeded', ended_at: new Date().toISOString() });
    expect(await h.call('POST', `/runs/${runId}/cancel`)).toMatchObject({ status: 409, body: { error: 'Baton.RunFinished' } });
    expect(await h.call('POST', `/runs/${runId}/pause`)).toMatchObject({ status: 409, body: { error: 'Baton.RunFinished' } });
    expect(await h.call('POST', `/runs/${runId}/resume`)).toMatchObject({ status: 409, body: { error: 'Baton.RunState' } });
    expect(await h.call('POST', `/runs/${id('ghost')}/cancel`)).toMatchObject({ status: 404 });
    expect(await h.call('POST', `/runs/${id('ghost')}/retry`)).toMatchObject({ status: 404 });
  });

  it('refuses a control request with a body it does not know', async () => {
    const { runId } = await started('body');
    expect(await h.call('POST', `/runs/${runId}/cancel`, { force: true })).toMatchObject({ status: 400, body: { problems: [expect.stringContaining('force')] } });
  });

  it('pauses a run, then resumes it as a new execution of the same run (attempt 2)', async () => {
    const { runId, arn } = await started('pause');
    expect(await h.call('POST', `/runs/${runId}/pause`)).toMatchObject({ status: 202, body: { requested: 'pause' } });
    expect(h.sfn.stops()).toContainEqual(expect.objectContaining({ executionArn: arn, error: 'Baton.RunPaused' }));
    await h.events(h.sfn.end(arn, 'ABORTED'));
    expect(await h.runtime.store.runs.get(runId)).toMatchObject({ status: 'paused' });
    expect(await h.call('POST', `/runs/${runId}/retry`)).toMatchObject({ status: 409, body: { message: expect.stringContaining('resume it instead') } });

    const resumed = await h.call('POST', `/runs/${runId}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.body.execution_arn).toBe(arnOf('greet', `${runId}.r2`));
    const [call] = h.sfn.starts(`${runId}.r2`);
    expect(JSON.parse(call.args[0].input.input!).run).toMatchObject({ id: runId, attempt: 2 });
    const run = await h.runtime.store.runs.get(runId);
    expect(run).toMatchObject({ status: 'running', execution_arn: resumed.body.execution_arn });
    expect(run?.control).toBeUndefined();
    // An old execution's late event changes nothing.
    await h.events(h.sfn.end(arn, 'ABORTED'));
    expect((await h.runtime.store.runs.get(runId))?.status).toBe('running');
  });

  it('retries a failed run from its checkpoints', async () => {
    const { runId, arn } = await started('retry');
    await h.events(h.sfn.end(arn, 'FAILED', { error: 'States.Runtime', cause: 'An error occurred while executing the state' }));
    expect(await h.runtime.store.runs.get(runId)).toMatchObject({ status: 'failed', error: { name: 'States.Runtime', cause: 'An error occurred while executing the state' } });
    expect(await h.call('POST', `/runs/${runId}/resume`)).toMatchObject({ status: 409 });
    expect(await h.call('POST', `/runs/${runId}/retry`)).toMatchObject({ status: 202, body: { execution_arn: arnOf('greet', `${runId}.r2`) } });
    expect(await h.runtime.store.runs.get(runId)).toMatchObject({ status: 'running' });
    expect((await h.runtime.store.runs.get(runId))?.error).toBeUndefined();
  });
});

describe('API: POST /runs/{id}/approvals/{step}', () => {
  /** A run of `gate` whose approval step has asked, as the approval Lambda does. */
  async function waiting() {
    const { runId } = await started('gate', 'gate', {});
    const run = { id: runId, workflow: 'gate', started_at: new Date().toISOString(), attempt: 1 };
    const token = `token-${runId}`;
    const answer = await createStepHandler({ kind: 'approval' }, h.runtime.deps())({ step: 'ask', run, config: { timeout_seconds: 3600 }, input: { message: 'Ship it?' }, token });
    expect(answer.status).toBe('running');
    return { runId, token };
  }

  it('records a decision once, releases the waiting task, and refuses a second decision with 409', async () => {
    const { runId, token } = await waiting();
    const first = await h.call('POST', `/runs/${runId}/approvals/ask`, { decision: 'approve', comment: 'ship' });
    expect(first).toMatchObject({ status: 200, body: { run_id: runId, step: 'ask', decision: 'approve', decided_by: 'ada', comment: 'ship' } });
    expect(await h.runtime.store.tokens.outcome(token)).toMatchObject({ status: 'success', output: { status: 'succeeded', outputs: { approved_by: 'ada', comment: 'ship' } } });
    expect(await h.call('POST', `/runs/${runId}/approvals/ask`, { decision: 'reject' })).toMatchObject({ status: 409, body: { error: 'Baton.ApprovalAlreadyDecided' } });
  });

  it('fails the step with ApprovalRejected on a rejection', async () => {
    const { runId, token } = await waiting();
    expect(await h.call('POST', `/runs/${runId}/approvals/ask`, { decision: 'reject', comment: 'not today' })).toMatchObject({ status: 200 });
    expect(await h.runtime.store.tokens.outcome(token)).toMatchObject({ status: 'failure', error: 'ApprovalRejected', cause: 'rejected by ada: not today' });
  });

  it('answers 400 for a bad decision, 404 for an unknown run or a step that is not waiting', async () => {
    const { runId } = await waiting();
    const bad = await h.call('POST', `/runs/${runId}/approvals/ask`, { decision: 'maybe', by: 'me' });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toHaveLength(2);
    expect(await h.call('POST', `/runs/${id('ghost')}/approvals/ask`, { decision: 'approve' })).toMatchObject({ status: 404, body: { error: 'Baton.RunNotFound' } });
    expect(await h.call('POST', `/runs/${runId}/approvals/other`, { decision: 'approve' })).toMatchObject({ status: 404, body: { error: 'Baton.ApprovalNotFound' } });
  });
});
