import { describe, expect, it } from 'vitest';
import { exampleDelivery } from '../../../cli/github-examples.ts';
import type { GithubTrigger } from '../../../compiler/manifest.ts';
import { authorAssociation, eventBranch, type GithubEvent } from '../../../functions/github/event.ts';
import { branchMatches, matchTriggers, startsWithCommand } from '../../../functions/github/triggers.ts';

/** A real example delivery of `spec`, with `change` applied to its payload. */
function event(spec: string, change: (payload: Record<string, any>) => void = () => {}): GithubEvent {
  const { event: name, payload } = exampleDelivery(spec);
  change(payload);
  return { name, delivery: 'd', payload, ...(typeof payload.action === 'string' ? { action: payload.action } : {}) };
}

const pr = (action: string, base = 'main', association = 'MEMBER') =>
  event(`pull_request.${action}`, (p) => {
    p.pull_request.base.ref = base;
    p.pull_request.author_association = association;
  });
const push = (ref: string) => event('push', (p) => ((p.ref = ref), (p.deleted = false)));
const comment = (body: string, association = 'OWNER', action = 'created') =>
  event('issue_comment.created', (p) => {
    p.action = action;
    p.comment.body = body;
    p.comment.author_association = association;
  });

type Case = [name: string, trigger: GithubTrigger, event: GithubEvent, expected: 'start' | 'untrusted' | 'none'];

const cases: Case[] = [
  // events
  ['the event name must match', { event: 'pull_request' }, pr('opened'), 'start'],
  ['another event does not match', { event: 'push' }, pr('opened'), 'none'],
  ['pull_request_target is not pull_request', { event: 'pull_request_target' }, pr('opened'), 'none'],
  // actions
  ['an action in the list', { event: 'pull_request', actions: ['opened', 'synchronize'] }, pr('synchronize'), 'start'],
  ['an action not in the list', { event: 'pull_request', actions: ['opened'] }, pr('closed'), 'none'],
  ['no actions: every action', { event: 'pull_request' }, pr('labeled'), 'start'],
  ['actions on an event without one', { event: 'push', actions: ['created'] }, push('refs/heads/main'), 'none'],
  // branches: pull requests match their base branch
  ['a base branch by name', { event: 'pull_request', branches: ['main'] }, pr('opened', 'main'), 'start'],
  ['a base branch not named', { event: 'pull_request', branches: ['main'] }, pr('opened', 'develop'), 'none'],
  ['names are case-sensitive', { event: 'pull_request', branches: ['main'] }, pr('opened', 'Main'), 'none'],
  ['* within one level', { event: 'pull_request', branches: ['release/*'] }, pr('opened', 'release/1.2'), 'start'],
  ['* does not cross /', { event: 'pull_request', branches: ['release/*'] }, pr('opened', 'release/1/2'), 'none'],
  ['** crosses /', { event: 'pull_request', branches: ['release/**'] }, pr('opened', 'release/1/2'), 'start'],
  ['** alone: every branch', { event: 'pull_request', branches: ['**'] }, pr('opened', 'feature/a/b'), 'start'],
  ['a character class', { event: 'pull_request', branches: ['v[0-9].x'] }, pr('opened', 'v2.x'), 'start'],
  ['braces', { event: 'pull_request', branches: ['{main,develop}'] }, pr('opened', 'develop'), 'start'],
  ['a later ! excludes', { event: 'pull_request', branches: ['release/**', '!release/old/**'] }, pr('opened', 'release/old/1'), 'none'],
  ['a later ! leaves the others', { event: 'pull_request', branches: ['release/**', '!release/old/**'] }, pr('opened', 'release/new/1'), 'start'],
  ['a pattern after ! includes again', { event: 'pull_request', branches: ['release/**', '!release/old/**', 'release/old/keep'] }, pr('opened', 'release/old/keep'), 'start'],
  ['only exclusions: every other branch', { event: 'pull_request', branches: ['!gh-pages'] }, pr('opened', 'main'), 'start'],
  ['only exclusions: not the excluded one', { event: 'pull_request', branches: ['!gh-pages'] }, pr('opened', 'gh-pages'), 'none'],
  // branches: pushes match the pushed branch, refs/heads/ stripped
  ['a pushed branch', { event: 'push', branches: ['main'] }, push('refs/heads/main'), 'start'],
  ['a pushed branch by glob', { event: 'push', branches: ['feature/**'] }, push('refs/heads/feature/x/y'), 'start'],
  ['a pushed tag has no branch', { event: 'push', branches: ['**'] }, push('refs/tags/v1.0'), 'none'],
  ['a pushed tag, no branches filter', { event: 'push' }, push('refs/tags/v1.0'), 'start'],
  ['a deleted branch starts nothing', { event: 'push' }, event('push', (p) => ((p.ref = 'refs/heads/gone'), (p.deleted = true))), 'none'],
  ['branches on an event that names none', { event: 'issue_comment', branches: ['main'] }, comment('hello'), 'none'],
  // authors
  ['the default trusts OWNER', { event: 'pull_request' }, pr('opened', 'main', 'OWNER'), 'start'],
  ['the default trusts MEMBER', { event: 'pull_request' }, pr('opened', 'main', 'MEMBER'), 'start'],
  ['the default trusts COLLABORATOR', { event: 'pull_request' }, pr('opened', 'main', 'COLLABORATOR'), 'start'],
  ['the default does not trust CONTRIBUTOR', { event: 'pull_request' }, pr('opened', 'main', 'CONTRIBUTOR'), 'untrusted'],
  ['the default does not trust FIRST_TIME_CONTRIBUTOR', { event: 'pull_request' }, pr('opened', 'main', 'FIRST_TIME_CONTRIBUTOR'), 'untrusted'],
  ['the default does not trust NONE', { event: 'pull_request' }, pr('opened', 'main', 'NONE'), 'untrusted'],
  ['a list that names CONTRIBUTOR', { event: 'pull_request', authors: ['OWNER', 'CONTRIBUTOR'] }, pr('opened', 'main', 'CONTRIBUTOR'), 'start'],
  ['a list read without case', { event: 'pull_request', authors: ['owner'] }, pr('opened', 'main', 'OWNER'), 'start'],
  ['a narrower list', { event: 'pull_request', authors: ['OWNER'] }, pr('opened', 'main', 'MEMBER'), 'untrusted'],
  ['filters first: a non-matching branch is not untrusted', { event: 'pull_request', branches: ['main'] }, pr('opened', 'dev', 'NONE'), 'none'],
  ['a push needs write access: trusted', { event: 'push', authors: ['OWNER'] }, push('refs/heads/main'), 'start'],
  ['an event with no association counts as NONE', { event: 'star' }, event('star.created'), 'untrusted'],
  ['NONE listed: anyone', { event: 'star', authors: ['NONE'] }, event('star.created'), 'start'],
  // commands
  ['a comment that starts with the command', { event: 'issue_comment', command: '/review' }, comment('/review'), 'start'],
  ['the command and more words', { event: 'issue_comment', command: '/review' }, comment('/review please, with care'), 'start'],
  ['the command after blank lines', { event: 'issue_comment', command: '/review' }, comment('\n\n  /review'), 'start'],
  ['the command on its own line, then text', { event: 'issue_comment', command: '/review' }, comment('/review\nlooks risky'), 'start'],
  ['a longer word is another command', { event: 'issue_comment', command: '/review' }, comment('/reviewer'), 'none'],
  ['the command later in the comment', { event: 'issue_comment', command: '/review' }, comment('please /review'), 'none'],
  ['the command on a later line', { event: 'issue_comment', command: '/review' }, comment('hello\n/review'), 'none'],
  ['commands are case-sensitive', { event: 'issue_comment', command: '/review' }, comment('/Review'), 'none'],
  ['an edited comment does not repeat the command', { event: 'issue_comment', command: '/review' }, comment('/review', 'OWNER', 'edited'), 'none'],
  ['a deleted comment does not either', { event: 'issue_comment', command: '/review' }, comment('/review', 'OWNER', 'deleted'), 'none'],
  ['unless actions say so', { event: 'issue_comment', command: '/review', actions: ['edited'] }, comment('/review', 'OWNER', 'edited'), 'start'],
  ["the commenter's association counts", { event: 'issue_comment', command: '/review' }, comment('/review', 'NONE'), 'untrusted'],
  ['a command on an event without comments', { event: 'pull_request', command: '/review' }, pr('opened'), 'none'],
];

describe('triggers: filters and trust', () => {
  it.each(cases)('%s', (_name, trigger, given, expected) => {
    expect(matchTriggers([trigger], given).kind).toBe(expected);
  });

  it('takes the first trigger that matches and trusts the author, in file order', () => {
    const triggers: GithubTrigger[] = [{ event: 'push' }, { event: 'pull_request', authors: ['OWNER'] }, { event: 'pull_request', authors: ['NONE'], with: { second: true } }];

    const match = matchTriggers(triggers, pr('opened', 'main', 'NONE'));

    expect(match).toMatchObject({ kind: 'start', index: 2 });
  });

  it('says which association was refused and what the trigger allows', () => {
    const match = matchTriggers([{ event: 'pull_request' }], pr('opened', 'main', 'FIRST_TIMER'));

    expect(match).toMatchObject({ kind: 'untrusted', association: 'FIRST_TIMER', allowed: ['OWNER', 'MEMBER', 'COLLABORATOR'] });
  });
});

describe('triggers: reading the event', () => {
  it('takes the association of the comment, not of the pull request it is on', () => {
    const given = comment('/review', 'CONTRIBUTOR');
    given.payload.issue = { ...(given.payload.issue as object), author_association: 'OWNER' };

    expect(authorAssociation(given)).toBe('CONTRIBUTOR');
  });

  it("takes a pull request's author association for pull_request events", () => {
    expect(authorAssociation(pr('opened', 'main', 'first_time_contributor'))).toBe('FIRST_TIME_CONTRIBUTOR');
  });

  it('reads the branch of pull requests, pushes, created branches; none for tags', () => {
    expect(eventBranch(pr('opened', 'release/2'))).toBe('release/2');
    expect(eventBranch(push('refs/heads/a/b'))).toBe('a/b');
    expect(eventBranch(push('refs/tags/v1'))).toBeUndefined();
    expect(eventBranch(event('create', (p) => ((p.ref = 'topic'), (p.ref_type = 'branch'))))).toBe('topic');
    expect(eventBranch(event('create', (p) => ((p.ref = 'v1'), (p.ref_type = 'tag'))))).toBeUndefined();
  });

  it('matches branch lists as GitHub Actions does', () => {
    expect(branchMatches(['main', 'release/*'], 'release/x')).toBe(true);
    expect(branchMatches([], 'main')).toBe(false);
    expect(startsWithCommand('/deploy\tprod', '/deploy')).toBe(true);
    expect(startsWithCommand('/deploy', '')).toBe(false);
  });
});
