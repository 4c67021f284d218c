import { describe, expect, it } from 'vitest';
import { exampleDelivery } from '../../../cli/github-examples.ts';
import { executionNameProblems } from '../../../compiler/names.ts';
import { parseApprovalCommand } from '../../../functions/github/comment-approvals.ts';
import { runTrigger } from '../../../functions/github/event.ts';
import { runIdFor } from '../../../functions/github/run-ids.ts';
import { renderTriggerInputs } from '../../../functions/github/trigger-inputs.ts';
import { seeded } from '../../support/forged-deliveries.ts';

describe('run ids: derived from the delivery and the workflow', () => {
  it('gives the same id for the same delivery and workflow, and another for any other pair', () => {
    const delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

    expect(runIdFor(delivery, 'pr-review')).toBe(runIdFor(delivery, 'pr-review'));
    expect(runIdFor(delivery, 'pr-review')).not.toBe(runIdFor(delivery, 'pr-check'));
    expect(runIdFor(delivery, 'pr-review')).not.toBe(runIdFor('72d3162e-cc78-11e3-81ab-4c9367dc0959', 'pr-review'));
    expect(runIdFor(delivery, 'pr-review')).toMatch(/^pr-review-72d3162e-cc78-11e3-81ab-4c9367dc0958-[0-9a-f]{12}$/);
  });

  it('is always a valid Step Functions execution name, and never collides, for 5,000 arbitrary pairs', () => {
    const random = seeded(3);
    const alphabet = ['a', 'z', '-', '0', '9', '_', '.', ' ', '/', ':', '#', '$', '\u0000', '\u007f', 'é', '🚀', '{', '"', '\\', '~', '%'];
    const word = (max: number) => Array.from({ length: 1 + random.int(max) }, () => random.pick(alphabet)).join('');
    const ids = new Map<string, string>();

    for (let i = 0; i < 5000; i++) {
      const pair = [word(120), word(64)] as const;
      const id = runIdFor(...pair);
      expect(executionNameProblems(id), id).toStrictEqual([]);
      const key = JSON.stringify(pair);
      const before = ids.get(id);
      expect(before === undefined || before === key, `${id} for ${before} and ${key}`).toBe(true);
      ids.set(id, key);
    }
  });

  it('keeps pairs apart that read alike once cut short', () => {
    const long = 'w'.repeat(64);
    expect(runIdFor('d', `${long}-a`)).not.toBe(runIdFor('d', `${long}-b`));
    expect(runIdFor('x-y', 'a')).not.toBe(runIdFor('y', 'a-x'));
  });
});

describe("trigger inputs: a trigger's with:", () => {
  const { event, payload } = exampleDelivery('pull_request.opened');
  const trigger = runTrigger({ name: event, action: 'opened', delivery: 'd-1', payload });

  it('renders templates over trigger.*, keeping the JSON type of a whole expression', () => {
    const rendered = renderTriggerInputs(
      {
        repository: '${{ trigger.payload.repository.full_name }}',
        pr_number: '${{ trigger.payload.pull_request.number }}',
        title: 'PR #${{ trigger.payload.pull_request.number }}: ${{ trigger.payload.pull_request.title }}',
        event: '${{ trigger.event }}',
        draft: '${{ trigger.payload.pull_request.draft }}',
        labels: ['${{ trigger.action }}', 'fixed'],
        nested: { sha: '${{ trigger.payload.pull_request.head.sha }}', n: 3 },
        plain: 'no template',
      },
      trigger,
    );

    expect(rendered.problems).toStrictEqual([]);
    expect(rendered.inputs).toStrictEqual({
      repository: 'Codertocat/Hello-World',
      pr_number: 2,
      title: 'PR #2: Update the README with new information.',
      event: 'pull_request',
      draft: false,
      labels: ['opened', 'fixed'],
      nested: { sha: (payload as any).pull_request.head.sha, n: 3 },
      plain: 'no template',
    });
  });

  it('lists every value that cannot be rendered, by its path', () => {
    const rendered = renderTriggerInputs(
      { a: '${{ trigger.payload.comment.body }}', b: ['${{ inputs.x }}'], c: '${{ trigger.payload.pull_request.number }}', d: '${{ (( }}' },
      trigger,
    );

    expect(rendered.problems).toHaveLength(3);
    expect(rendered.problems[0]).toMatch(/^with\.a: trigger\.payload\.comment does not exist/);
    expect(rendered.problems[1]).toMatch(/^with\.b\[0\]: inputs is not available here/);
    expect(rendered.problems[2]).toMatch(/^with\.d: /);
  });

  it('never renders a template that comes from the payload', () => {
    const hostile = runTrigger({ name: 'issue_comment', delivery: 'd', payload: { comment: { body: '${{ trigger.delivery }}' } } });

    expect(renderTriggerInputs({ body: '${{ trigger.payload.comment.body }}' }, hostile).inputs).toStrictEqual({ body: '${{ trigger.delivery }}' });
  });
});

describe('approval commands', () => {
  it.each([
    ['/approve', { decision: 'approve', words: [], rest: '' }],
    ['/approve deploy', { decision: 'approve', words: ['deploy'], rest: '' }],
    ['  /reject deploy  the tests are flaky ', { decision: 'reject', words: ['deploy', 'the', 'tests', 'are', 'flaky'], rest: '' }],
    ['/reject\r\nnot today\nsorry', { decision: 'reject', words: [], rest: 'not today\nsorry' }],
  ])('reads %j', (body, expected) => {
    expect(parseApprovalCommand(body)).toStrictEqual(expected);
  });

  it.each(['/approved', 'please /approve', 'approve', '/Approve', 'lgtm\n/approve', ''])('ignores %j', (body) => {
    expect(parseApprovalCommand(body)).toBeUndefined();
  });
});
