/**
 * One GitHub delivery, read: the event name, its action, and the few facts of
 * the payload that triggers, trust, check runs and approvals ask about. Every
 * reader here is total: a payload of an unexpected shape answers undefined,
 * never throws.
 */

export interface GithubEvent {
  /** `X-GitHub-Event`: `pull_request`, `push`, `issue_comment`, … */
  name: string;
  /** `payload.action`, when the event has one. */
  action?: string;
  /** `X-GitHub-Delivery`. */
  delivery: string;
  payload: Record<string, unknown>;
}

/**
 * What a run sees as `trigger` (docs/expressions.md, "Contexts": `trigger.event`, `trigger.payload`),
 * plus the action and the delivery id. Built from the delivery alone, so a
 * redelivery asks for exactly the same start.
 */
export interface RunTrigger {
  event: string;
  action?: string;
  delivery: string;
  payload: Record<string, unknown>;
}

export function runTrigger(event: GithubEvent): RunTrigger {
  return { event: event.name, ...(event.action === undefined ? {} : { action: event.action }), delivery: event.delivery, payload: event.payload };
}

/** Events only someone with write access (or GitHub itself, for them) can cause; their payloads name no author association. */
const WRITE_ACCESS_EVENTS: ReadonlySet<string> = new Set(['push', 'create', 'delete', 'release', 'workflow_dispatch', 'repository_dispatch', 'deployment', 'deployment_status']);

/** Where the author association of the person behind an event is, most specific first. */
const ASSOCIATED = ['comment', 'review', 'pull_request', 'issue', 'discussion'] as const;

/**
 * The author association of whoever the event is about: the comment's author
 * for a comment, the review's, the pull request's author for `pull_request`
 * (whose code would run), the issue's, the discussion's. `'trusted'` for an
 * event only write access can cause; `'NONE'` for any other event that names
 * no association.
 */
export function authorAssociation(event: GithubEvent): string | 'trusted' {
  for (const key of ASSOCIATED) {
    const association = field(object(event.payload[key]), 'author_association');
    if (typeof association === 'string' && association !== '') return association.toUpperCase();
  }
  return WRITE_ACCESS_EVENTS.has(event.name) ? 'trusted' : 'NONE';
}

/**
 * The branch the event is about, for `branches:` filters: a pull request's
 * base branch, a pushed branch (`refs/heads/` stripped), a created or deleted
 * branch. Undefined for a tag and for events that name no branch.
 */
export function eventBranch(event: GithubEvent): string | undefined {
  const pullRequest = object(event.payload.pull_request);
  const base = field(object(field(pullRequest, 'base')), 'ref');
  if (typeof base === 'string') return base;
  const ref = event.payload.ref;
  if (typeof ref !== 'string') return undefined;
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if ((event.name === 'create' || event.name === 'delete') && event.payload.ref_type === 'branch') return ref;
  return undefined;
}

/** The text a `command:` is looked for in: a comment's body, or a review's. */
export function commentBody(event: GithubEvent): string | undefined {
  const body = field(object(event.payload.comment), 'body') ?? field(object(event.payload.review), 'body');
  return typeof body === 'string' ? body : undefined;
}

/** `owner/repo`. */
export function repositoryName(event: GithubEvent): string | undefined {
  const name = field(object(event.payload.repository), 'full_name');
  return typeof name === 'string' && name.includes('/') ? name : undefined;
}

/** The pull request the event is about: a `pull_request*` event's, or the pull request an issue comment is on. */
export function pullRequestNumber(event: GithubEvent): number | undefined {
  const number = field(object(event.payload.pull_request), 'number');
  if (typeof number === 'number') return number;
  const issue = object(event.payload.issue);
  if (issue && object(issue.pull_request) && typeof issue.number === 'number') return issue.number;
  return undefined;
}

/** The commit a check run belongs on: a pull request's head, or the commit a push moved its branch to. */
export function headSha(event: GithubEvent): string | undefined {
  const sha = field(object(field(object(event.payload.pull_request), 'head')), 'sha');
  if (typeof sha === 'string') return sha;
  if (event.name === 'push' && typeof event.payload.after === 'string' && !/^0+$/.test(event.payload.after)) return event.payload.after;
  return undefined;
}

/** The GitHub App installation that sent the event. */
export function installationId(event: GithubEvent): number | undefined {
  const id = field(object(event.payload.installation), 'id');
  return typeof id === 'number' ? id : undefined;
}

/** A push that deleted its branch or tag: no commit to build. */
export function isDeletion(event: GithubEvent): boolean {
  return event.name === 'push' && event.payload.deleted === true;
}

export function object(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function field(record: Record<string, unknown> | undefined, key: string): unknown {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}
