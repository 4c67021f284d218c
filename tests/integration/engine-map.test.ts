import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/engine-harness.ts';
import type { ProbeCall } from '../fixtures/workflows/steps/probe.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.clearCalls());

const probe = 'function: ../steps/probe.ts';

/** The largest number of calls running at the same moment. */
function maxOverlap(calls: ProbeCall[]): number {
  const edges = calls.flatMap((c) => [
    { t: c.start, d: 1 },
    { t: c.end!, d: -1 },
  ]);
  // An end and a start at the same millisecond do not overlap: ends first.
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) {
    now += e.d;
    most = Math.max(most, now);
  }
  return most;
}

const values = (outputs: unknown) => (outputs as Array<{ value: unknown }>).map((o) => o.value);

describe('engine: for_each', () => {
  it('returns the outputs in item order even when later items finish first', async () => {
    const file = h.write('map-order', `name: map-order
steps:
  fan:
    ${probe}
    for_each: [{ v: a, ms: 250 }, { v: b, ms: 180 }, { v: c, ms: 110 }, { v: d, ms: 40 }]
    with: { value: "\${{ item.v }}", sleep_ms: "\${{ item.ms }}" }
  after: { ${probe}, needs: fan, with: { value: "\${{ steps.fan.outputs }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    const finished = [...h.calls('fan')].sort((x, y) => x.end! - y.end!).map((c) => c.input.value);
    expect(finished).toEqual(['d', 'c', 'b', 'a']); // the premise: they finished in reverse
    expect(values(result.steps.fan.outputs)).toEqual(['a', 'b', 'c', 'd']);
    expect(values(h.calls('after')[0].input.value)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('gives each call its item and index', async () => {
    const file = h.write('map-item-index', `name: map-item-index
steps:
  fan:
    ${probe}
    for_each: [{ name: x }, { name: y }, { name: z }]
    with: { value: "\${{ item.name }}", whole: "\${{ item }}", position: "\${{ index }}", text: "\${{ index }}:\${{ item.name }}" }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    const calls = [...h.calls('fan')].sort((a, b) => a.index! - b.index!);
    expect(calls.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(calls.map((c) => c.input)).toEqual([
      { value: 'x', whole: { name: 'x' }, position: 0, text: '0:x' },
      { value: 'y', whole: { name: 'y' }, position: 1, text: '1:y' },
      { value: 'z', whole: { name: 'z' }, position: 2, text: '2:z' },
    ]);
  });

  it('runs at most max_parallel items at a time', async () => {
    const file = h.write('map-max-parallel', `name: map-max-parallel
steps:
  two: { ${probe}, for_each: [1, 2, 3, 4, 5, 6], max_parallel: 2, with: { sleep_ms: 150 } }
  six: { ${probe}, needs: two, for_each: [1, 2, 3, 4, 5, 6], max_parallel: 6, with: { sleep_ms: 150 } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(h.calls('two')).toHaveLength(6);
    expect(maxOverlap(h.calls('two'))).toBe(2);
    expect(maxOverlap(h.calls('six'))).toBeGreaterThan(2);
  });

  it('runs one item at a time with max_parallel: 1', async () => {
    const file = h.write('map-serial', `name: map-serial
steps:
  one: { ${probe}, for_each: [1, 2, 3], max_parallel: 1, with: { sleep_ms: 50 } }
`);
    await h.run(file);
    expect(maxOverlap(h.calls('one'))).toBe(1);
  });

  it('passes batches of batch_size items as item', async () => {
    const file = h.write('map-batch', `name: map-batch
steps:
  batched: { ${probe}, for_each: [a, b, c, d, e], batch_size: 2, with: { value: "\${{ item }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    const calls = [...h.calls('batched')].sort((a, b) => a.index! - b.index!);
    expect(calls.map((c) => c.input.value)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(calls.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(values(result.steps.batched.outputs)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('batches items computed at run time', async () => {
    const file = h.write('map-batch-dynamic', `name: map-batch-dynamic
steps:
  list: { ${probe}, with: { value: [1, 2, 3, 4, 5, 6, 7] } }
  batched: { ${probe}, needs: list, for_each: "\${{ steps.list.outputs.value }}", batch_size: 3, with: { value: "\${{ item }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(values(result.steps.batched.outputs)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('iterates over a step’s output and over an input', async () => {
    const file = h.write('map-sources', `name: map-sources
inputs:
  regions: { type: array, default: [eu, us] }
steps:
  list: { ${probe}, with: { value: [red, green, blue] } }
  colours: { ${probe}, needs: list, for_each: "\${{ steps.list.outputs.value }}", with: { value: "\${{ item }}" } }
  regions: { ${probe}, for_each: "\${{ inputs.regions }}", with: { value: "\${{ item }}" } }
`);
    const result = await h.run(file, { regions: ['ap', 'sa', 'af'] });
    expect(result.status).toBe('succeeded');
    expect(values(result.steps.colours.outputs)).toEqual(['red', 'green', 'blue']);
    expect(values(result.steps.regions.outputs)).toEqual(['ap', 'sa', 'af']);
  });

  it('succeeds with no calls and empty outputs over an empty list', async () => {
    const file = h.write('map-empty', `name: map-empty
steps:
  list: { ${probe}, with: { value: [] } }
  fan: { ${probe}, needs: list, for_each: "\${{ steps.list.outputs.value }}" }
  after: { ${probe}, needs: fan, with: { value: "\${{ steps.fan.outputs }}", status: "\${{ steps.fan.status }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(h.calls('fan')).toHaveLength(0);
    expect(h.calls('after').map((c) => c.input)).toEqual([{ value: [], status: 'succeeded' }]);
  });

  it('keeps only the declared outputs of each item', async () => {
    const file = h.write('map-outputs', `name: map-outputs
steps:
  fan: { ${probe}, for_each: [p, q], with: { value: "\${{ item }}" }, outputs: [value] }
`);
    const result = await h.run(file);
    expect(result.steps.fan.outputs).toEqual([{ value: 'p' }, { value: 'q' }]);
  });

  it('fails the step and the run when an item fails, and reports each item', async () => {
    const file = h.write('map-item-fails', `name: map-item-fails
steps:
  fan:
    ${probe}
    for_each: [{ fail: false }, { fail: true }, { fail: false }]
    max_parallel: 1
    with: { fail: "\${{ item.fail }}", error: ItemBroken }
  after: { ${probe}, needs: fan }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ step: 'fan', name: 'ItemBroken' });
    expect(result.steps.fan.status).toBe('failed');
    expect(result.steps.fan.items?.[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(result.steps.fan.items?.[1]).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'ItemBroken' } });
    expect(h.calls('after')).toHaveLength(0);
  });

  it('retries a failing item on its own and records its attempts', async () => {
    const file = h.write('map-item-retry', `name: map-item-retry
steps:
  fan:
    ${probe}
    for_each: [0, 1, 0]
    with: { fail_attempts: "\${{ item }}", value: "\${{ index }}" }
    retry: { max_attempts: 2, interval: 1s, jitter: full }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(result.steps.fan.items?.map((i) => [i.status, i.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 2],
      ['succeeded', 1],
    ]);
    expect(h.calls('fan').filter((c) => c.index === 0)).toHaveLength(1);
    expect(h.calls('fan').filter((c) => c.index === 1).map((c) => c.attempt)).toEqual([1, 2]);
    expect(values(result.steps.fan.outputs)).toEqual([0, 1, 2]);
  });

  it('skips a for_each step whose condition is false', async () => {
    const file = h.write('map-skip', `name: map-skip
steps:
  fan: { ${probe}, for_each: [1, 2], if: "\${{ false }}" }
  after: { ${probe}, needs: fan, if: "\${{ always() }}", with: { value: "\${{ steps.fan.status }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(h.calls('fan')).toHaveLength(0);
    expect(result.steps.fan.status).toBe('skipped');
    expect(h.calls('after')[0].input.value).toBe('skipped');
  });

  it('with continue_on_error, records the failed step and runs its dependents', async () => {
    const file = h.write('map-coe', `name: map-coe
steps:
  fan: { ${probe}, for_each: [false, true], with: { fail: "\${{ item }}" }, continue_on_error: true }
  after: { ${probe}, needs: fan, with: { value: "\${{ steps.fan.status }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    expect(result.steps.fan.status).toBe('failed');
    expect(h.calls('after').map((c) => c.input.value)).toEqual(['failed']);
  });

  it('runs on_failure once when an item fails', async () => {
    const file = h.write('map-on-failure', `name: map-on-failure
steps:
  fan: { ${probe}, for_each: [1, 2], with: { fail: true, error: ItemBroken }, on_failure: notify }
  notify: { ${probe}, with: { name: "\${{ error.name }}" } }
`);
    const result = await h.run(file);
    expect(result.status).toBe('failed');
    expect(h.calls('notify').map((c) => c.input.name)).toEqual(['ItemBroken']);
  });
});
