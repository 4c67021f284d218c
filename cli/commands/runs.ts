import { userInfo } from 'node:os';
import { readFile } from 'node:fs/promises';
import { compile } from '../../compiler/index.ts';
import { InvalidArgumentError, type Command } from 'commander';
import { decideApproval } from '../../functions/runtime/kinds/approval.ts';
import { buildRunResult } from '../../functions/runtime/run-result.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { LocalFunctionLoader } from '../../functions/runtime/function-loader.ts';
import type { RunRecord } from '../../functions/runtime/store/index.ts';
import { LEASE_STALE_MS, parseLocalArn } from '../engine/engine.ts';
import { isInterrupted } from '../engine/lease.ts';
import { LocalTaskTokens } from '../engine/local-tokens.ts';
import { describeRun, duration, nextStep, table } from '../format.ts';
import { UsageError } from '../usage-error.ts';
import { registerRunCommand } from './run.ts';
import { withStore } from './store.ts';

/** `run`, `resume`, `runs`, `status`, `approve`, `reject`, `pause`, `cancel`: runs on this machine. */
export function registerRunCommands(program: Command, exit: { code: number }) {
  registerRunCommand(program, exit);

  program
    .command('runs')
    .description('list runs, newest first')
    .option('-w, --workflow <name>', "only this workflow's runs")
    .option('-n, --limit <n>', 'how many', positiveWholeNumber, 20)
    .option('--json', 'print JSON')
    .action(async (options: { workflow?: string; limit: number; json?: boolean }) =>
      withStore(async (local) => {
        const runs = (await local.store.runs.list({ workflow: options.workflow, limit: options.limit })).map(shownStatus);
        if (options.json) {
          process.stdout.write(JSON.stringify(runs.map((r) => ({ run_id: r.run_id, workflow: r.workflow, status: r.status, started_at: r.started_at, ended_at: r.ended_at })), null, 2) + '\n');
          return;
        }
        if (runs.length === 0) {
          process.stdout.write('no runs yet: start one with baton run FILE\n');
          return;
        }
        const rows = runs.map((r) => [r.run_id, r.workflow, r.status, r.started_at.replace('T', ' ').slice(0, 19), duration(r.started_at, r.ended_at)]);
        process.stdout.write(table(['RUN', 'WORKFLOW', 'STATUS', 'STARTED', 'TOOK'], rows));
        const stopped = runs.find((r) => r.status === 'interrupted');
        if (stopped) process.stdout.write(`\n${nextStep('interrupted', stopped.run_id)}\n`);
      }),
    );

  program
    .command('status')
    .description('show a run: its status, each step, its outputs or error')
    .argument('<run-id>')
    .option('--json', 'print the run result as JSON')
    .action(async (runId: string, options: { json?: boolean }) =>
      withStore(async (local) => {
        const record = await local.store.runs.get(runId);
        const result = await buildRunResult(local.store, runId, record ? await stepIdsOf(record.execution_arn) : []);
        if (!record || !result) throw new UsageError(`no run ${runId}`);
        result.status = shownStatus(record).status;
        if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else process.stdout.write(describeRun(result));
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(`${decision} a step that waits for a person (an approval step)`)
      .argument('<run-id>')
      .argument('<step>', "the approval step's id")
      .option('-c, --comment <text>', 'why')
      .action(async (runId: string, step: string, options: { comment?: string }) =>
        withStore(async (local) => {
          if (!(await local.store.runs.get(runId))) throw new UsageError(`no run ${runId}`);
          const tokens = new LocalTaskTokens(local.store);
          const deps = { store: local.store, tokens, secrets: new EnvSecrets(), functions: new LocalFunctionLoader(process.cwd()) };
          await decideApproval(deps, runId, step, { decision, comment: options.comment, by: userInfo().username }).catch((error: Error) => {
            throw new UsageError(error.message);
          });
          process.stdout.write(`${step} of ${runId}: ${decision === 'approve' ? 'approved' : 'rejected'}\n`);
        }),
      );
  }

  for (const control of ['pause', 'cancel'] as const) {
    program
      .command(control)
      .description(control === 'pause' ? 'pause a run at its next step boundary (resume continues it)' : 'cancel a run')
      .argument('<run-id>')
      .action(async (runId: string) =>
        withStore(async (local) => {
          await local.store.runs.requestControl(runId, control).catch((error: Error) => {
            throw new UsageError(error.message);
          });
          process.stdout.write(`${runId}: ${control} requested\n`);
        }),
      );
  }
}

/** A local run whose process is gone (kill -9, a closed laptop) shows as interrupted, not running. */
function shownStatus(run: RunRecord): RunRecord {
  return isInterrupted(run, LEASE_STALE_MS) ? { ...run, status: 'interrupted' } : run;
}

function positiveWholeNumber(value: string): number {
  if (!/^[0-9]+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('it takes a positive whole number.');
  return Number(value);
}

/** The main flow's steps of the definition a local run was started from, so steps that have not run show as pending; none if it cannot be read. */
async function stepIdsOf(executionArn: string | undefined): Promise<string[]> {
  const parsed = parseLocalArn(executionArn);
  if (!parsed) return [];
  try {
    return compile(await readFile(parsed.file, 'utf8')).workflow?.regular ?? [];
  } catch {
    return [];
  }
}
