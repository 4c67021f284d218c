/**
 * A run started from a pull request or a push shows on its commit as a GitHub
 * check run: `queued` when the webhook is about to start it, `in_progress` once
 * it runs, `completed` with a conclusion when it ends. Its `external_id` is the
 * run id, its details link the execution in the Step Functions console, its
 * summary a table of the steps. The check run's id is kept in the store
 * (`RUN#<id>`/`CHECK`), so each update PATCHes the same check run.
 *
 * Reporting never fails a run or a delivery: a GitHub error is logged (its
 * status and message, never a token) and the caller goes on.
 */
import type { CheckpointStore, CheckRunLink, RunError, RunRecord } from '../runtime/store/index.ts';
import { buildRunResult, type StepResult } from '../runtime/run-result.ts';
import { describeGithubError, type GithubClients } from './github-client.ts';

export interface ChecksDeps {
  store: CheckpointStore;
  github: GithubClients;
  log?: (event: object) => void;
  now?: () => Date;
}

/** The commit a check run belongs on. */
export interface CheckTarget {
  owner: string;
  repo: string;
  head_sha: string;
  installation_id?: number;
}

/** What a report needs of a run: a `RunRecord`, or the run result's fields. */
export type ReportedRun = Pick<RunRecord, 'run_id' | 'workflow'> & {
  status: string;
  execution_arn?: string;
  started_at?: string;
  ended_at?: string;
  error?: RunError;
};

/** What a report needs of each step: the run result's `steps`. */
export type ReportedSteps = Record<string, Pick<StepResult, 'status' | 'started_at' | 'ended_at'> & { attempts?: number }>;

export type CheckConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out' | 'neutral';

/** A run's status as a check run's conclusion. */
export const CONCLUSIONS: Readonly<Record<string, CheckConclusion>> = {
  succeeded: 'success',
  failed: 'failure',
  cancelled: 'cancelled',
  timed_out: 'timed_out',
  skipped: 'neutral',
};

/** GitHub's limit on `output.summary`. */
const MAX_SUMMARY_CHARS = 65_535;

export function checkRunName(workflow: string): string {
  return `baton/${workflow}`;
}

/**
 * Creates the run's check run, `queued`, and records it; once per run (a
 * redelivery finds it recorded). Undefined when GitHub refused.
 */
export async function openCheckRun(deps: ChecksDeps, target: CheckTarget, run: { run_id: string; workflow: string }): Promise<CheckRunLink | undefined> {
  const existing = await deps.store.checkRuns.get(run.run_id);
  if (existing) return existing;
  try {
    const octokit = await deps.github.forInstallation(target.installation_id);
    const name = checkRunName(run.workflow);
    const { data } = await octokit.rest.checks.create({
      owner: target.owner,
      repo: target.repo,
      head_sha: target.head_sha,
      name,
      external_id: run.run_id,
      status: 'queued',
      output: { title: 'queued', summary: `Run \`${run.run_id}\` of **${run.workflow}** is about to start.` },
    });
    const { link, first } = await deps.store.checkRuns.link({ run_id: run.run_id, owner: target.owner, repo: target.repo, head_sha: target.head_sha, check_run_id: data.id, name, ...(target.installation_id === undefined ? {} : { installation_id: target.installation_id }) });
    // Another request recorded its check run first (a takeover): close this duplicate.
    if (!first) await octokit.rest.checks.update({ owner: target.owner, repo: target.repo, check_run_id: data.id, status: 'completed', conclusion: 'skipped', output: { title: 'duplicate', summary: `See check run ${link.check_run_id}.` } });
    return link;
  } catch (error) {
    deps.log?.({ event: 'github.check_run_failed', run_id: run.run_id, step: 'create', error: describeGithubError(error) });
    return undefined;
  }
}

/**
 * Brings the run's check run up to date: `in_progress` while it runs,
 * `completed` with its conclusion once it has ended, and the steps' table. The
 * run-end path calls this (the events handler on AWS, the local engine under
 * `baton serve`); a run that has no check run is left alone. Answers whether a
 * check run was updated.
 */
export async function reportRun(deps: ChecksDeps, run: ReportedRun, steps: ReportedSteps = {}): Promise<boolean> {
  try {
    const link = await deps.store.checkRuns.get(run.run_id);
    if (!link) return false;
    const octokit = await deps.github.forInstallation(link.installation_id);
    await octokit.rest.checks.update({ owner: link.owner, repo: link.repo, check_run_id: link.check_run_id, ...checkRunUpdate(run, steps, deps.now?.() ?? new Date()) });
    return true;
  } catch (error) {
    deps.log?.({ event: 'github.check_run_failed', run_id: run.run_id, step: 'update', error: describeGithubError(error) });
    return false;
  }
}

/**
 * A run's check run brought up to date from the store, when the run has one:
 * what the host calls whenever a run ends (the events Lambda on AWS, `baton
 * serve` locally). Runs GitHub did not start have no link and cost one read.
 */
export async function reportRunEnd(deps: ChecksDeps, runId: string, stepsOf: (workflow: string) => string[] | undefined = () => undefined): Promise<boolean> {
  try {
    if (!(await deps.store.checkRuns.get(runId))) return false;
    const record = await deps.store.runs.get(runId);
    const result = record && (await buildRunResult(deps.store, runId, stepsOf(record.workflow)));
    if (!result || !record) return false;
    return await reportRun(deps, { ...result, execution_arn: record.execution_arn }, result.steps);
  } catch (error) {
    deps.log?.({ event: 'github.check_run_failed', run_id: runId, step: 'read', error: describeGithubError(error) });
    return false;
  }
}

/** The PATCH body for a run in its current status. */
export function checkRunUpdate(run: ReportedRun, steps: ReportedSteps, now: Date) {
  const conclusion = Object.hasOwn(CONCLUSIONS, run.status) ? CONCLUSIONS[run.status] : undefined;
  const detailsUrl = consoleUrl(run.execution_arn);
  const output = { title: titleOf(run), summary: summaryOf(run, steps, now) };
  const common = { external_id: run.run_id, ...(detailsUrl ? { details_url: detailsUrl } : {}), output };
  if (conclusion) return { ...common, status: 'completed' as const, conclusion, completed_at: run.ended_at ?? now.toISOString() };
  if (run.status === 'pending') return { ...common, status: 'queued' as const };
  return { ...common, status: 'in_progress' as const, ...(run.started_at ? { started_at: run.started_at } : {}) };
}

/** The execution in the Step Functions console; undefined for an ARN that is not Step Functions' (a local run). */
export function consoleUrl(executionArn: string | undefined): string | undefined {
  const match = /^arn:aws:states:([a-z0-9-]+):[0-9]{12}:execution:/.exec(executionArn ?? '');
  if (!match) return undefined;
  const region = match[1];
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

function titleOf(run: ReportedRun): string {
  if (run.status === 'failed' && run.error?.step) return `failed at ${run.error.step}`;
  return run.status.replace('_', ' ');
}

/** The summary: one sentence, the error if any, and a Markdown table of the steps (id, status, duration). */
export function summaryOf(run: ReportedRun, steps: ReportedSteps, now: Date): string {
  const took = run.started_at ? ` in ${duration(run.started_at, run.ended_at ?? now.toISOString())}` : '';
  const lines = [`Run \`${run.run_id}\` of **${run.workflow}**: ${run.status.replace('_', ' ')}${Object.hasOwn(CONCLUSIONS, run.status) ? took : ''}.`];
  if (run.error) lines.push('', `${run.error.step ? `Step \`${run.error.step}\`: ` : ''}${run.error.name}`, '', fenced(run.error.cause));
  const rows = Object.entries(steps);
  if (rows.length > 0) {
    lines.push('', '| Step | Status | Duration |', '| --- | --- | --- |');
    for (const [id, step] of rows) {
      const took = step.started_at && (step.ended_at || step.status === 'running') ? duration(step.started_at, step.ended_at ?? now.toISOString()) : '';
      lines.push(`| ${cell(id)} | ${cell(step.status)}${step.attempts && step.attempts > 1 ? ` (${step.attempts} attempts)` : ''} | ${took} |`);
    }
  }
  const summary = lines.join('\n');
  return summary.length <= MAX_SUMMARY_CHARS ? summary : `${summary.slice(0, MAX_SUMMARY_CHARS - 20)}\n\n… (cut short)`;
}

/** `12s`, `3m 05s`, `2h 07m`. */
export function duration(from: string, to: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

/** A block of text as it is, in a code fence no line of it can close. */
function fenced(text: string): string {
  const cut = text.length > 2000 ? `${text.slice(0, 2000)} …` : text;
  const longest = Math.max(2, ...[...cut.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${cut}\n${fence}`;
}
