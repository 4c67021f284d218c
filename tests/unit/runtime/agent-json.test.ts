import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorNames } from '../../../functions/runtime/errors.ts';
import { checkOutputSchema, parseJsonAnswer } from '../../../functions/runtime/agents/json-answer.ts';
import { builtIn, callStep, type StepCall, newRunId, runContext, startRuntimeHarness, type RuntimeHarness } from '../../support/runtime-harness.ts';

let harness: RuntimeHarness;

beforeAll(async () => {
  harness = await startRuntimeHarness();
});

afterAll(async () => {
  await harness.stop();
});

function echo(prompt: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): StepCall {
  return builtIn('agent', {
    step: 'analyze',
    run: runContext(newRunId()),
    phase: 'start',
    config: { agent: 'local', provider: { provider: 'echo' }, ...config },
    input: { prompt },
    ...extra,
  });
}

describe('agent: format json, reading the answer', () => {
  it.each([
    ['the whole text', '  {"a": 1}  ', { a: 1 }],
    ['a whole array', '[1, 2]', [1, 2]],
    ['the last ```json block', 'First:\n```json\n{"a": 1}\n```\nBetter:\n```json\n{"a": 2}\n```\nThanks.', { a: 2 }],
    ['a plain ``` block', 'Here:\n```\n{"b": true}\n```', { b: true }],
    ['the last object in prose', 'I think {"a": 1} but finally {"a": {"b": "x}"}} is right.', { a: { b: 'x}' } }],
    ['the last array in prose', 'Tasks: [{"title": "t"}] — that is all.', [{ title: 't' }]],
    ['JSON after prose braces that are not JSON', 'Use {curly} braces, then {"ok": true}', { ok: true }],
    ['JSON inside a non-JSON span', 'Note {see: {"x": 1}}', { x: 1 }],
  ])('finds %s', (_what, text, value) => {
    expect(parseJsonAnswer(text)).toStrictEqual(value);
  });

  it('fails with AgentOutputInvalid when there is no JSON', () => {
    expect(() => parseJsonAnswer('No JSON here, sorry {not json')).toThrow(expect.objectContaining({ name: ErrorNames.AgentOutputInvalid }));
  });

  it('checks type, properties, required, items and enum', () => {
    const schema = {
      type: 'object',
      properties: { level: { enum: ['low', 'high'] }, tasks: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] } } },
      required: ['level', 'tasks'],
    };

    expect(() => checkOutputSchema({ level: 'low', tasks: [{ title: 'a' }], extra: 1 }, schema)).not.toThrow();
    expect(() => checkOutputSchema({ level: 'mid', tasks: [{}] }, schema)).toThrow(
      expect.objectContaining({ name: ErrorNames.AgentOutputInvalid, message: expect.stringMatching(/level: .*tasks\.0\.title/) }),
    );
  });
});

describe('agent: echo', () => {
  it('answers with the prompt as { text, agent }', async () => {
    const response = await callStep(echo('Say hi'), harness.deps());

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { text: 'Say hi', agent: 'local' } });
  });

  it('with format json, the parsed answer is the result and outputs pick from it', async () => {
    const prompt = 'Summarize PR #7 and answer as JSON like {"summary": "…", "tasks": [{"title": "…"}]}';
    const inv = echo(prompt, { format: 'json', output_schema: { type: 'object', required: ['summary', 'tasks'] } }, { outputs: ['summary', 'tasks'] });

    const response = await callStep(inv, harness.deps());

    expect(response).toStrictEqual({ status: 'succeeded', outputs: { summary: '…', tasks: [{ title: '…' }] } });
    expect(await harness.store.steps.getResult((inv.event.run as { id: string }).id, { step: 'analyze' })).toStrictEqual({ summary: '…', tasks: [{ title: '…' }] });
  });

  it('fails with AgentOutputInvalid when the answer misses the schema', async () => {
    const inv = echo('Answer {"summary": 3}', { format: 'json', output_schema: { type: 'object', properties: { summary: { type: 'string' } } } });

    await expect(callStep(inv, harness.deps())).rejects.toMatchObject({ name: ErrorNames.AgentOutputInvalid });
    expect((await harness.store.steps.get((inv.event.run as { id: string }).id, { step: 'analyze' }))?.error?.name).toBe(ErrorNames.AgentOutputInvalid);
  });

  it('fails with AgentOutputInvalid when the answer is not JSON', async () => {
    await expect(callStep(echo('just words', { format: 'json' }), harness.deps())).rejects.toMatchObject({
      name: ErrorNames.AgentOutputInvalid,
    });
  });
});
