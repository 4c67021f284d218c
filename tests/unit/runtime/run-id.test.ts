import { describe, expect, it } from 'vitest';
import { executionName, newRunId, runIdProblems, scheduledRunId } from '../../../functions/runtime/starter/run-id.ts';
import { stepFunctionsConsoleUrl } from '../../../functions/runtime/starter/sfn-executions.ts';

describe('run ids are Step Functions execution names', () => {
  it.each(['a', 'pr-42.review', 'x'.repeat(80), 'deploy_2026-11-01T06.00Z', 'ünïcode-ok', "it's(fine)!@+="])('accepts %j', (id) => {
    expect(runIdProblems(id)).toEqual([]);
  });

  it.each([
    ['', '1 to 80 characters'],
    ['x'.repeat(81), '1 to 80 characters'],
    ['has space', 'U+0020'],
    ['tab\there', 'U+0009'],
    ['bell\u0007', 'U+0007'],
    ['c1\u0085', 'U+0085'],
    ...[...'<>{}[]?*"#%\\^|~`$&,;:/'].map((c) => [`a${c}b`, `'${c}'`]),
  ])('refuses %j, naming why', (id, why) => {
    const problems = runIdProblems(id);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(why);
  });

  it('names every execution of a run apart, within 80 characters', () => {
    expect(executionName('run', 1)).toBe('run');
    expect(executionName('run', 2)).toBe('run.r2');
    const long = executionName('x'.repeat(80), 12);
    expect(long).toHaveLength(80);
    expect(long.endsWith('.r12')).toBe(true);
    expect(runIdProblems(long)).toEqual([]);
  });

  it('makes generated and scheduled ids that are valid names', () => {
    expect(runIdProblems(newRunId('w'.repeat(64)))).toEqual([]);
    expect(scheduledRunId('nightly', new Date('2026-11-01T06:00:00.000Z'))).toBe('nightly-20261101T060000Z');
    expect(runIdProblems(scheduledRunId('w'.repeat(64), new Date()))).toEqual([]);
  });
});

describe('console links', () => {
  it('point at the execution in its own region and partition, and at nothing for a local ARN', () => {
    const arn = 'arn:aws:states:ap-southeast-2:123456789012:execution:baton-deploy:run-1';
    expect(stepFunctionsConsoleUrl(arn)).toBe(`https://ap-southeast-2.console.aws.amazon.com/states/home?region=ap-southeast-2#/v2/executions/details/${arn}`);
    expect(stepFunctionsConsoleUrl('arn:aws-cn:states:cn-north-1:123456789012:execution:m:r')).toMatch(/^https:\/\/console\.amazonaws\.cn\/states\/home\?region=cn-north-1/);
    expect(stepFunctionsConsoleUrl('arn:baton:local:execution:/tmp/x.yaml:r:1')).toBeNull();
  });
});
