import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { executionNameProblems } from '../../compiler/names.ts';
import { decideApproval } from '../../functions/runtime/kinds/approval.ts';
import { buildRunResult, type RunResult } from '../../functions/runtime/run-result.ts';
import type { InputSpec } from '../../functions/runtime/control/inputs.ts';
import { LocalEngine } from '../engine/engine.ts';
import { progressView } from '../engine/progress-view.ts';
import { openLocalStore, type LocalStore } from '../engine/local-store.ts';
import { UsageError } from '../usage-error.ts';
import { LocalTaskTokens } from '../engine/local-tokens.ts';
import { EnvSecrets } from '../../functions/runtime/secrets.ts';
import { LocalFunctionLoader } from '../../functions/runtime/function-loader.ts';

interface RunOptions {
  input: string[];
  inputJson?: string;
  runId?: string;
  json?: boolean;
  echoAgents?: boolean;
}

/** `run`, `resume`, `runs`, `status`, `approve`, `reject`, `pause`, `cancel`: runs on this machine. */
export function registerRunCommands(program: Command, exit: { code: number }) {
  program
    .command('run')
    .description('run a workflow locally: the compiled state machine on a local interpreter, state in a local DynamoDB')
    .argument('<file>', 'workflow file')
    .option('-i, --input <name=value>', 'an input (repeatable); numbers, booleans and JSON are read by the input\'s declared type', collect, [])
    .option('--input-json <json>', 'all inputs as one JSON object (--input wins where both set a name)')
    .option('--run-id <id>', 'the run id (an idempotency key; 1-80 characters, as Step Functions takes execution names); default: generated', executionName)
    .option('--json', 'print the run result as JSON on stdout')
    .option('--echo-agents', 'answer every agent step with the built-in echo agent (offline, no API keys)')
    .addHelpText('after', '\nExit codes: 0 the run succeeded, 1 it failed (or was paused or cancelled), 2 the definition or the command line is wrong.\nLocal state lives in $BATON_HOME (default ./.baton).')
    .action(async (file: string, options: RunOptions) =>
      withStore(async (local) => {
        const engine = engineFor(local, options.json, options.echoAgents);
        const definition = await engine.engine.load(file);
        const inputs = parseInputs(definition.compiled.workflow!.inputs, options.input, options.inputJson);
        const outcome = await engine.engine.run({ file, inputs, runId: options.runId }).finally(engine.close);
        exit.code = await report(local, outcome.runId, definition.compiled.workflow!.regular, options.json);
      }),
    );

  program
    .command('resume')
    .description('continue a failed, cancelled, paused or crashed run from its checkpoints (finished steps do not run again)')
    .argument('<run-id>')
    .option('--json', 'print the run result as JSON on stdout')
    .option('--echo-agents', 'answer every agent step with the built-in echo agent')
    .action(async (runId: string, options: { json?: boolean; echoAgents?: boolean }) =>
      withStore(async (local) => {
        const engine = engineFor(local, options.json, options.echoAgents);
        const definition = await engine.engine.definitionOf(runId);
        const outcome = await engine.engine.resume(runId).finally(engine.close);
        exit.code = await report(local, outcome.runId, definition?.compiled.workflow?.regular ?? [], options.json);
      }),
    );

  program
    .command('runs')
    .description('list runs, newest first')
    .option('-w, --workflow <name>', 'only this workflow\'s runs')
    .option('-n, --limit <n>', 'how many', positiveWholeNumber, 20)
    .option('--json', 'print JSON')
    .action(async (options: { workflow?: string; limit: number; json?: boolean }) =>
      withStore(async (local) => {
        const runs = await local.store.listRuns({ workflow: options.workflow, limit: options.limit });
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
      }),
    );

  program
    .command('status')
    .description('show a run: its status, each step, its outputs or error')
    .argument('<run-id>')
    .option('--json', 'print the run result as JSON')
    .action(async (runId: string, options: { json?: boolean }) =>
      withStore(async (local) => {
        const result = await buildRunResult(local.store, runId);
        if (!result) throw new UsageError(`no run ${runId}`);
        if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else process.stdout.write(describeRun(result));
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(`${decision} a step that waits for a person (an approval step)`)
      .argument('<run-id>')
      .argument('<step>', 'the approval step\'s id')
      .option('-c, --comment <text>', 'why')
      .action(async (runId: string, step: string, options: { comment?: string }) =>
        withStore(async (local) => {
          if (!(await local.store.getRun(runId))) throw new UsageError(`no run ${runId}`);
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
          await local.store.requestControl(runId, control).catch((error: Error) => {
            throw new UsageError(error.message);
          });
          process.stdout.write(`${runId}: ${control} requested\n`);
        }),
      );
  }
}

function engineFor(local: LocalStore, json: boolean | undefined, echoAgents: boolean | undefined) {
  const view = progressView();
  const engine = new LocalEngine({ store: local.store, echoAgents, onProgress: view.onProgress });
  return { engine, close: () => view.close() };
}

async function withStore(body: (local: LocalStore) => Promise<void>) {
  const local = await openLocalStore();
  try {
    await body(local);
  } finally {
    await local.close();
  }
}

async function report(local: LocalStore, runId: string, stepIds: string[], json: boolean | undefined): Promise<number> {
  const result = await buildRunResult(local.store, runId, stepIds);
  if (!result) throw new Error(`run ${runId} disappeared from the store`);
  if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(describeRun(result));
  return result.status === 'succeeded' ? 0 : 1;
}

/** `--input name=value`, read by the declared type of `name`. */
export function parseInputs(spec: Record<string, InputSpec>, pairs: string[], json: string | undefined): Record<string, unknown> {
  let inputs: Record<string, unknown> = {};
  if (json !== undefined) {
    try {
      inputs = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`--input-json is not JSON: ${(error as Error).message}`);
    }
    if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) throw new UsageError('--input-json must be a JSON object');
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input ${pair}: write NAME=VALUE`);
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const type = spec[name]?.type ?? 'string';
    inputs[name] = readTyped(name, raw, type);
  }
  return inputs;
}

function readTyped(name: string, raw: string, type: InputSpec['type']): unknown {
  switch (type) {
    case 'string':
      return raw;
    case 'number':
    case 'integer': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? raw : n;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      try {
        return JSON.parse(raw);
      } catch {
        throw new UsageError(`--input ${name}: an ${type} input takes JSON, e.g. ${type === 'array' ? '\'["a","b"]\'' : '\'{"k":1}\''}`);
      }
  }
}

function describeRun(result: RunResult): string {
  const lines = [`run ${result.run_id} (${result.workflow}): ${result.status}${result.ended_at ? ` in ${duration(result.started_at, result.ended_at)}` : ''}`];
  const rows = Object.entries(result.steps).map(([id, s]) => [
    id,
    s.status,
    s.attempts ? String(s.attempts) : '',
    s.started_at ? duration(s.started_at, s.ended_at) : '',
    s.error ? `${s.error.name}: ${s.error.message}`.slice(0, 100) : s.items ? `${s.items.filter((i) => i.status === 'succeeded').length}/${s.items.length} items` : '',
  ]);
  if (rows.length > 0) lines.push(table(['STEP', 'STATUS', 'TRIES', 'TOOK', ''], rows).trimEnd());
  if (result.error) lines.push(`error: ${result.error.step ? `${result.error.step}: ` : ''}${result.error.name}: ${result.error.cause}`);
  if (result.outputs !== undefined && result.status === 'succeeded') lines.push(`outputs: ${JSON.stringify(result.outputs, null, 2)}`);
  return lines.join('\n') + '\n';
}

function duration(start: string, end: string | undefined): string {
  if (!end) return '';
  const ms = Date.parse(end) - Date.parse(start);
  return ms < 1000 ? `${ms}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** A run id names its execution on Step Functions: refuse what Step Functions would refuse, before anything starts. */
function executionName(value: string): string {
  const problems = executionNameProblems(value);
  if (problems.length > 0) throw new InvalidArgumentError(`a run id ${problems.join('; ')}.`);
  return value;
}

function positiveWholeNumber(value: string): number {
  if (!/^[0-9]+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('it takes a positive whole number.');
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
