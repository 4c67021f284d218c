import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isResultRef } from '../../functions/runtime/result-ref.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

/**
 * Results larger than Step Functions lets a state carry (256 KB), and larger than a
 * DynamoDB item (400 KB): they travel between states as a reference, are stored
 * whole (in parts past 350 KB), and a later step gets the whole value back.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.clearCalls());

const probe = 'function: ../steps/probe.ts';

const bigChain = (name: string, kb: number) => `name: ${name}
steps:
  a: { ${probe}, with: { big_kb: ${kb} } }
  b:
    ${probe}
    needs: a
    with: { value: "\${{ steps.a.outputs }}" }
outputs:
  whole: \${{ steps.a.outputs }}
`;

describe.each([
  { kb: 300, what: 'over 256 KB (Step Functions\' limit)' },
  { kb: 450, what: 'over 400 KB (DynamoDB\'s item limit)' },
])('engine: a $kb KB result, $what', ({ kb }) => {
  const blob = 'x'.repeat(kb * 1024);

  it('reaches a later step whole through ${{ steps.a.outputs }}', async () => {
    const file = h.write(`large-${kb}`, bigChain(`large-${kb}`, kb));

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    const received = h.calls('b')[0].input.value as { blob: string; n: number };
    expect(received.n).toBe(kb);
    expect(received.blob.length).toBe(blob.length);
    expect(received.blob === blob).toBe(true);
  });

  it('is stored whole, and the run result holds it whole', async () => {
    const file = h.write(`large-store-${kb}`, bigChain(`large-store-${kb}`, kb));

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    const stored = (await h.store.steps.getOutputs(result.run_id, { step: 'a' })) as { blob: string; n: number };
    expect(stored.n).toBe(kb);
    expect(stored.blob === blob).toBe(true);
    expect((await h.store.steps.getResult(result.run_id, { step: 'a' })) as unknown).toStrictEqual(stored);
    const inResult = result.steps.a.outputs as { blob: string; n: number };
    expect(isResultRef(inResult)).toBe(false);
    expect(inResult.n).toBe(kb);
    expect(inResult.blob === blob).toBe(true);
    const outputs = result.outputs as { whole: { blob: string; n: number } };
    expect(isResultRef(outputs.whole)).toBe(false);
    expect(outputs.whole.blob === blob).toBe(true);
  });
});

describe('engine: large results and declared outputs', () => {
  it('keeps small declared outputs travelling by value while the full result is stored', async () => {
    const file = h.write('large-declared', `name: large-declared
steps:
  a: { ${probe}, with: { big_kb: 450 }, outputs: [n] }
  b: { ${probe}, needs: a, with: { value: "\${{ steps.a.outputs.n }}" } }
`);

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(result.steps.a.outputs).toEqual({ n: 450 });
    expect(h.calls('b')[0].input.value).toBe(450);
    const full = (await h.store.steps.getResult(result.run_id, { step: 'a' })) as { blob: string };
    expect(full.blob.length).toBe(450 * 1024);
  });

  it('gives a later step one field of a large result', async () => {
    const file = h.write('large-field', `name: large-field
steps:
  a: { ${probe}, with: { big_kb: 300 } }
  b: { ${probe}, needs: a, with: { value: "\${{ steps.a.outputs.n }}" } }
`);

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(h.calls('b')[0].input.value).toBe(300);
  });

  it('hands each for_each element a large item whole', async () => {
    const file = h.write('large-items', `name: large-items
steps:
  a: { ${probe}, with: { big_kb: 300 } }
  each:
    ${probe}
    needs: a
    for_each: \${{ inputs.list }}
    with: { value: "\${{ steps.a.outputs }}" }
inputs:
  list: { type: array, default: [1, 2, 3] }
`);

    const result = await h.run(file);

    expect(result.status).toBe('succeeded');
    expect(h.calls('each')).toHaveLength(3);
    for (const call of h.calls('each')) expect((call.input.value as { blob: string }).blob.length).toBe(300 * 1024);
  });
});
