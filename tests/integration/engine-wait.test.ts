/**
 * `wait` steps, every form (docs/language.md): seconds, a fixed `until`, an
 * `until` read from an input and one assembled from a template, through
 * asl-validator and the real engine. A wait runs no Lambda, so the run's end
 * records it; a computed `until` that is not a timestamp fails the step, not
 * the execution.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.ts';
import { validateAsl } from '../support/asl.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.clearCalls());

const probe = 'function: ../steps/probe.ts';

const everyForm = (name: string) => `name: ${name}
inputs:
  day: { type: string, default: "2020-01-01" }
  when: { type: string, default: "2020-01-01T00:00:00Z" }
steps:
  first: { ${probe} }
  nap: { needs: first, wait: 1s, on_failure: notify }
  fixed: { needs: first, wait: { until: "2020-01-01T00:00:00Z" } }
  read: { needs: first, wait: { until: "\${{ inputs.when }}" } }
  assembled: { needs: first, wait: { until: "\${{ inputs.day }}T10:00:00Z" }, on_failure: notify }
  last: { ${probe}, needs: [nap, fixed, read, assembled] }
  notify: { ${probe} }
`;

describe('wait steps', () => {
  it('compile to definitions asl-validator accepts, on_failure handlers included', () => {
    const compiled = compile(everyForm('wait-forms'));
    expect(compiled.diagnostics).toEqual([]);
    expect(validateAsl(compiled.asl, compiled.resources)).toEqual({ isValid: true, errors: '' });
  });

  it('wait, then every wait step is recorded as succeeded when the run ends', async () => {
    const file = h.write('wait-forms', everyForm('wait-forms'));
    const result = await h.run(file);
    expect(result.status).toBe('succeeded');
    for (const id of ['nap', 'fixed', 'read', 'assembled']) expect(result.steps[id]?.status).toBe('succeeded');
    const [first] = h.calls('first');
    const [last] = h.calls('last');
    // The 1 s nap lies between them.
    expect(last.start - first.end!).toBeGreaterThanOrEqual(900);
    expect(h.calls('notify')).toEqual([]);
  });

  it('fails the step, not the execution, when a computed until is not a timestamp: its handler runs, its dependents are skipped', async () => {
    const file = h.write('wait-bad', everyForm('wait-bad'));
    const result = await h.run(file, { day: 'next tuesday' });
    expect(result.status).toBe('failed');
    expect(result.steps.assembled).toMatchObject({ status: 'failed', error: { name: 'Baton.TimestampInvalid' } });
    expect(result.steps.assembled.error?.message).toContain('"next tuesday' + 'T10:00:00Z"');
    expect(result.steps.last.status).toBe('skipped');
    expect(result.steps.nap.status).toBe('succeeded');
    expect(h.calls('notify')).toHaveLength(1);
    expect(result.error).toMatchObject({ step: 'assembled', name: 'Baton.TimestampInvalid' });
  });

  it('reads an until from an input as it is: a date without a time fails the step', async () => {
    const file = h.write('wait-read-bad', everyForm('wait-read-bad'));
    const result = await h.run(file, { when: '2020-01-01' });
    expect(result.steps.read).toMatchObject({ status: 'failed', error: { name: 'Baton.TimestampInvalid' } });
  });
});

