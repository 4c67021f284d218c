/**
 * Which of a workflow's `on.github` triggers an event matches, and whether the
 * person behind the event may start it. The filters read as GitHub Actions'
 * (docs/github.md, "Triggers"): `event`, then `actions`, `branches` (globs, a
 * leading `!` excludes, later patterns win), `command`; then the trust rule,
 * `authors`, an allow-list of author associations.
 */
import { matchesGlob } from 'node:path/posix';
import type { GithubTrigger } from '../../compiler/manifest.ts';
import { authorAssociation, commentBody, eventBranch, isDeletion, type GithubEvent } from './event.ts';

/** Who may start a run when a trigger names no `authors` (docs/github.md, "Trust"). */
export const DEFAULT_AUTHORS: readonly string[] = ['OWNER', 'MEMBER', 'COLLABORATOR'];

/** With `command` and no `actions`, only a new comment counts: editing or deleting one must not start a run again. */
const COMMAND_ACTIONS: readonly string[] = ['created', 'submitted'];

export type TriggerMatch =
  | { kind: 'start'; trigger: GithubTrigger; index: number }
  | { kind: 'untrusted'; trigger: GithubTrigger; index: number; association: string; allowed: readonly string[] }
  | { kind: 'none' };

/**
 * The first trigger (in file order) that matches the event and trusts its
 * author; else the first that matched but did not trust the author; else none.
 */
export function matchTriggers(triggers: readonly GithubTrigger[], event: GithubEvent): TriggerMatch {
  let untrusted: TriggerMatch | undefined;
  for (const [index, trigger] of triggers.entries()) {
    if (!filtersMatch(trigger, event)) continue;
    const association = authorAssociation(event);
    const allowed = (trigger.authors ?? DEFAULT_AUTHORS).map((a) => a.toUpperCase());
    if (association === 'trusted' || allowed.includes(association)) return { kind: 'start', trigger, index };
    untrusted ??= { kind: 'untrusted', trigger, index, association, allowed };
  }
  return untrusted ?? { kind: 'none' };
}

/** Whether the event passes the trigger's filters (the author aside). */
export function filtersMatch(trigger: GithubTrigger, event: GithubEvent): boolean {
  if (trigger.event !== event.name) return false;
  if (isDeletion(event)) return false;
  const actions = trigger.actions ?? (trigger.command !== undefined ? COMMAND_ACTIONS : undefined);
  if (actions !== undefined && (event.action === undefined || !actions.includes(event.action))) return false;
  if (trigger.branches !== undefined) {
    const branch = eventBranch(event);
    if (branch === undefined || !branchMatches(trigger.branches, branch)) return false;
  }
  if (trigger.command !== undefined) {
    const body = commentBody(event);
    if (body === undefined || !startsWithCommand(body, trigger.command)) return false;
  }
  return true;
}

/**
 * GitHub Actions' rule for a list of branch patterns: a pattern includes the
 * branches it matches, `!pattern` excludes them again, and the last pattern that
 * matches decides. A list of exclusions only starts from "every branch"; an
 * empty list names no branch.
 */
export function branchMatches(patterns: readonly string[], branch: string): boolean {
  let included = patterns.length > 0 && patterns.every((pattern) => pattern.startsWith('!'));
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (matchesGlob(branch, negated ? pattern.slice(1) : pattern)) included = !negated;
  }
  return included;
}

/** Whether the comment starts with `command` as a word of its own: `/review` matches `/review please`, not `/reviewer`. */
export function startsWithCommand(body: string, command: string): boolean {
  const text = body.trimStart();
  if (command === '' || !text.startsWith(command)) return false;
  const next = text.charAt(command.length);
  return next === '' || /\s/.test(next);
}
