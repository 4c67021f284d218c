import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/engine-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.clearCalls());

const probe = 'function: ../steps/probe.ts';

describe('engine: needs', () => {
  it('runs a diamond: a, then b and c side by side, then d', async () => {
    const file = h.write('diamond', `name: diamond
steps:
  a: { ${probe}, with: { sleep_ms: 20 } }
  b: { ${probe}, needs: a, with: { sleep_ms: 150 } }
  c: { ${probe}, needs: a, with: { sleep_ms: 150 } }
  d: { ${probe}, needs: [b, c] }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => h.calls(s)[0]);
    expect(b.start).toBeGreaterThanOrEqual(a.end!);
    expect(c.start).toBeGreaterThanOrEqual(a.end!);
    expect(Math.max(b.start, c.start)).toBeLessThan(Math.min(b.end!, c.end!)); // they overlap
    expect(d.start).toBeGreaterThanOrEqual(Math.max(b.end!, c.end!));
  });

  it('starts a step as soon as its own needs finish in a graph that is not series-parallel', async () => {
    // a → c, a → d, b → d. b is slow; c needs only a, so c must not wait for b.
    const file = h.write('n-shape', `name: n-shape
steps:
  a: { ${probe}, with: { sleep_ms: 20 } }
  b: { ${probe}, with: { sleep_ms: 600 } }
  c: { ${probe}, needs: a, with: { sleep_ms: 20 } }
  d: { ${probe}, needs: [a, b] }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((s) => h.calls(s)[0]);
    expect(c.start).toBeGreaterThanOrEqual(a.end!);
    expect(c.end!).toBeLessThan(b.end!); // c finished while b was still working
    expect(c.start - a.end!).toBeLessThan(200);
    expect(d.start).toBeGreaterThanOrEqual(b.end!);
  });
});

describe('engine: if', () => {
  it('skips a step whose condition is false, and its dependents with it (the skip cascade)', async () => {
    const file = h.write('skip', `name: skip
inputs:
  env: { type: string, default: dev }
steps:
  a: { ${probe} }
  gate: { ${probe}, needs: a, if: "\${{ inputs.env == 'prod' }}" }
  after: { ${probe}, needs: gate }
  cleanup: { ${probe}, needs: gate, if: "\${{ always() }}" }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(result.steps.gate.status).toBe('skipped');
    expect(result.steps.after.status).toBe('skipped');
    expect(result.steps.cleanup.status).toBe('succeeded');
    expect(h.calls('gate')).toHaveLength(0);
    expect(h.calls('after')).toHaveLength(0);
  });

  it('runs a failure() step only when an ancestor failed', async () => {
    const file = h.write('failure-fn', `name: failure-fn
steps:
  a: { ${probe}, with: { fail: true, error: Broken } }
  b: { ${probe}, needs: a }
  on_broken: { ${probe}, needs: b, if: "\${{ failure() }}" }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'a', name: 'Broken' });
    expect(result.steps.b.status).toBe('skipped');
    expect(result.steps.on_broken.status).toBe('succeeded');
  });
});

describe('engine: continue_on_error', () => {
  it('records the failure and lets dependents run; the run succeeds', async () => {
    const file = h.write('coe', `name: coe
steps:
  flaky: { ${probe}, with: { fail: true }, continue_on_error: true }
  next: { ${probe}, needs: flaky, with: { value: "\${{ steps.flaky.status }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(result.steps.flaky.status).toBe('failed');
    expect(h.calls('next')[0].input.value).toBe('failed');
  });
});

describe('engine: templates', () => {
  it('keeps JSON types for whole expressions and interpolates the rest, quotes and braces included', async () => {
    const file = h.write('templates', `name: templates
inputs:
  n: { type: integer, required: true }
  flag: { type: boolean, default: true }
  list: { type: array, default: [1, 2] }
  text: { type: string, default: "it's {braced}" }
steps:
  a:
    ${probe}
    with:
      number: \${{ inputs.n }}
      flag: \${{ inputs.flag }}
      list: \${{ inputs.list }}
      sentence: "n={\${{ inputs.n }}} says \${{ inputs.text }}"
      nested: { deep: ["\${{ inputs.text }}", 3] }
outputs:
  n: \${{ steps.a.outputs.attempt }}
`);
    const result = await h.run(file, { n: 7 });
    expect(result.status).toBe('succeeded');
    expect(h.calls('a')[0].input).toEqual({ number: 7, flag: true, list: [1, 2], sentence: "n={7} says it's {braced}", nested: { deep: ["it's {braced}", 3] } });
    expect(result.outputs).toEqual({ n: 1 });
  });

  it('passes declared outputs to later steps', async () => {
    const file = h.write('outputs', `name: outputs
steps:
  a: { ${probe}, with: { value: hello }, outputs: [value, attempt] }
  b: { ${probe}, needs: a, with: { value: "\${{ steps.a.outputs.value }} world" } }
`);
    const result = await h.run(file);
    expect(result.steps.a.outputs).toEqual({ value: 'hello', attempt: 1 });
    expect(h.calls('b')[0].input.value).toBe('hello world');
  });
});

describe('engine: inputs', () => {
  it('refuses wrong inputs before anything runs, naming every problem', async () => {
    const file = h.write('inputs', `name: inputs
inputs:
  n: { type: integer, required: true }
  env: { type: string, enum: [dev, prod] }
steps:
  a: { ${probe} }
`);
    const error = await h.engine.run({ file, inputs: { env: 'staging', extra: 1 } }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain("input 'n' is required");
    expect(message).toContain(`input 'env' is "staging"`);
    expect(message).toContain("unknown input 'extra'");
    expect(h.calls()).toHaveLength(0);
    expect(await h.store.runs.list({ workflow: 'inputs' })).toHaveLength(0);
  });
});
