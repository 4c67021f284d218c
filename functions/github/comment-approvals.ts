/**
 * Approvals by comment: `/approve [step]` or `/reject [step] [comment…]` on a
 * pull request decides the approval that the pull request's runs wait for, as
 * `baton approve` would (through the approvals port), with the commenter's
 * login as `approved_by`. Only someone with write access to the repository
 * (admin, maintain or write, asked of GitHub) may decide. The runs are found
 * through the pull request's index in the store, never a scan.
 */
import { TERMINAL_RUN_STATUSES, parseStepKey, type CheckpointStore } from '../runtime/store/index.ts';
import { describeGithubError, type GithubClients } from './github-client.ts';
import { installationId, object, pullRequestNumber, repositoryName, type GithubEvent } from './event.ts';
import type { ApprovalsPort, Decision } from './ports.ts';

export interface CommentApprovalDeps {
  store: CheckpointStore;
  github?: GithubClients;
  approvals?: ApprovalsPort;
}

export interface ApprovalCommand {
  decision: Decision;
  /** The words after the command on its line. */
  words: string[];
  /** The lines after the first, trimmed. */
  rest: string;
}

/** What a comment decided, for the webhook's answer. */
export interface CommentApprovalOutcome {
  command: '/approve' | '/reject';
  by: string;
  decided: Array<{ run_id: string; workflow: string; step: string; decision: Decision }>;
  /** Why nothing (or not everything) was decided. */
  refused?: string[];
}

const COMMANDS = { '/approve': 'approve', '/reject': 'reject' } as const;

/** Roles that may decide: GitHub's `permission` (admin, write) or `role_name` (admin, maintain, write). */
const DECIDING_ROLES: ReadonlySet<string> = new Set(['admin', 'maintain', 'write']);

/** The command a comment starts with, if it is `/approve` or `/reject` followed by a space, a line break or nothing. */
export function parseApprovalCommand(body: string): ApprovalCommand | undefined {
  const [first, ...lines] = body.trimStart().split(/\r?\n/);
  const [command, ...words] = first.trim().split(/\s+/);
  if (!Object.hasOwn(COMMANDS, command)) return undefined;
  return { decision: COMMANDS[command as keyof typeof COMMANDS], words, rest: lines.join('\n').trim() };
}

/** Whether the event is a new comment on a pull request that starts with an approval command. */
export function approvalCommandOf(event: GithubEvent): ApprovalCommand | undefined {
  if (event.name !== 'issue_comment' || event.action !== 'created' || pullRequestNumber(event) === undefined) return undefined;
  const body = object(event.payload.comment)?.body;
  return typeof body === 'string' ? parseApprovalCommand(body) : undefined;
}

interface Waiting {
  run_id: string;
  workflow: string;
  step: string;
}

export async function decideByComment(deps: CommentApprovalDeps, event: GithubEvent, command: ApprovalCommand): Promise<CommentApprovalOutcome> {
  const by = String(object(object(event.payload.comment)?.user)?.login ?? '');
  const outcome: CommentApprovalOutcome = { command: command.decision === 'approve' ? '/approve' : '/reject', by, decided: [] };
  const refuse = (reason: string) => ({ ...outcome, refused: [reason] });
  const repository = repositoryName(event);
  const number = pullRequestNumber(event);
  if (!repository || number === undefined || by === '') return refuse('the comment names no repository, pull request or author');
  if (!deps.github || !deps.approvals) return refuse('approvals by comment are not set up here: Baton needs GitHub credentials to check who may decide');

  const allowed = await mayDecide(deps.github, event, repository, by);
  if (allowed !== true) return refuse(allowed);

  const waiting = await waitingApprovals(deps.store, repository, number);
  const named = command.words[0];
  const byStep = named === undefined ? [] : waiting.filter((w) => w.step === named);
  let targets: Waiting[];
  let comment: string;
  if (byStep.length > 0) {
    targets = byStep;
    comment = [command.words.slice(1).join(' '), command.rest].filter(Boolean).join('\n');
  } else if (named !== undefined && command.decision === 'approve') {
    return refuse(`no run of ${repository}#${number} waits for an approval of step '${named}'${listed(waiting)}`);
  } else {
    // `/reject` with no step named: its words are the comment.
    if (waiting.length !== 1) {
      return refuse(waiting.length === 0 ? `no run of ${repository}#${number} waits for an approval` : `several approvals wait: name the step (${outcome.command} <step>)${listed(waiting)}`);
    }
    targets = waiting;
    comment = [command.words.join(' '), command.rest].filter(Boolean).join('\n');
  }

  const refused: string[] = [];
  for (const target of targets) {
    try {
      await deps.approvals.decide(target.run_id, target.step, command.decision, by, comment || undefined);
      outcome.decided.push({ ...target, decision: command.decision });
    } catch (error) {
      refused.push(`${target.step} of run ${target.run_id}: ${(error as Error).message}`);
    }
  }
  return refused.length > 0 ? { ...outcome, refused } : outcome;
}

/** True, or why `login` may not decide. */
async function mayDecide(github: GithubClients, event: GithubEvent, repository: string, login: string): Promise<true | string> {
  const [owner, repo] = repository.split('/');
  try {
    const octokit = await github.forInstallation(installationId(event));
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
    const roles = [data.permission, (data as { role_name?: string }).role_name].filter((r): r is string => typeof r === 'string');
    if (roles.some((role) => DECIDING_ROLES.has(role))) return true;
    return `@${login} has ${data.permission ?? 'no'} access to ${repository}; deciding an approval takes write access`;
  } catch (error) {
    return `could not check @${login}'s access to ${repository}: ${describeGithubError(error)}`;
  }
}

/** The approvals that the pull request's live runs wait for, oldest run first. */
async function waitingApprovals(store: CheckpointStore, repository: string, number: number): Promise<Waiting[]> {
  const runs = await store.pullRequests.runs(repository, number);
  const found = await Promise.all(
    runs.map(async ({ run_id, workflow }) => {
      const run = await store.runs.get(run_id);
      if (!run || TERMINAL_RUN_STATUSES.includes(run.status)) return [];
      const open = (await store.approvals.list(run_id)).filter((a) => a.decision === undefined);
      const checked = await Promise.all(open.map(async (a) => ((await store.steps.get(run_id, parseStepKey(a.step)))?.status === 'waiting' ? a : undefined)));
      return checked.filter((a) => a !== undefined).map((a) => ({ run_id, workflow, step: a.step }));
    }),
  );
  return found.flat();
}

function listed(waiting: Waiting[]): string {
  return waiting.length === 0 ? '' : ` (waiting: ${waiting.map((w) => `${w.step} in run ${w.run_id}`).join(', ')})`;
}
