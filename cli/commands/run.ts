import { createWriteStream } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { executionNameProblems } from '../../compiler/names.ts';
import { buildRunResult } from '../../functions/runtime/run-result.ts';
import type { RunStatus } from '../../functions/runtime/store/index.ts';
import { LocalEngine, type InterpreterEvent } from '../engine/engine.ts';
import type { LocalStore } from '../engine/local-store.ts';
import { progressView } from '../engine/progress-view.ts';
import { describeRun } from '../format.ts';
import { parseInputs } from '../inputs.ts';
import { withStore } from './store.ts';

/**
 * Exit codes of `run` and `resume`: 0 succeeded, 1 failed or cancelled, 2 the
 * definition or the command line is wrong, 3 paused (`resume` continues it),
 * 130 interrupted by Ctrl-C (`resume` continues it too).
 */
export const EXIT_BY_STATUS: Partial<Record<RunStatus, number>> = { succeeded: 0, failed: 1, cancelled: 1, timed_out: 1, paused: 3, interrupted: 130 };

const EXIT_HELP = `
Exit codes: 0 the run succeeded, 1 it failed or was cancelled, 2 the definition or the
command line is wrong, 3 it was paused, 130 it was interrupted (Ctrl-C); after 3 or 130,
baton resume RUN_ID continues it. Local state lives in $BATON_HOME (default ./.baton).`;

interface ExecOptions {
  json?: boolean;
  echoAgents?: boolean;
  trace?: string;
}

/** `run` and `resume`: execute a run in this process, with progress, Ctrl-C and `--trace`. */
export function registerRunCommand(program: Command, exit: { code: number }) {
  program
    .command('run')
    .description('run a workflow locally: the compiled state machine on a local interpreter, state in a local DynamoDB')
    .argument('<file>', 'workflow file')
    .option('-i, --input <name=value>', "an input (repeatable); numbers, booleans and JSON are read by the input's declared type", collect, [])
    .option('--input-json <json>', 'all inputs as one JSON object (--input wins where both set a name)')
    .option('--run-id <id>', 'the run id (an idempotency key; 1-80 characters, as Step Functions takes execution names); default: generated', executionName)
    .option('--json', 'print the run result as JSON on stdout')
    .option('--echo-agents', 'answer every agent step with the built-in echo agent (offline, no API keys)')
    .option('--trace <file>', "write the interpreter's events (one JSON object a line) to <file>")
    .addHelpText('after', EXIT_HELP)
    .action(async (file: string, options: ExecOptions & { input: string[]; inputJson?: string; runId?: string }) =>
      withStore(async (local) =>
        execute(local, options, exit, async (engine) => {
          const definition = await engine.load(file);
          const inputs = parseInputs(definition.compiled.workflow!.inputs, options.input, options.inputJson);
          const outcome = await engine.run({ file, inputs, runId: options.runId });
          return { runId: outcome.runId, steps: definition.compiled.workflow!.regular };
        }),
      ),
    );

  program
    .command('resume')
    .description('continue a failed, cancelled, paused or interrupted run from its checkpoints (finished steps do not run again)')
    .argument('<run-id>')
    .option('--json', 'print the run result as JSON on stdout')
    .option('--echo-agents', 'answer every agent step with the built-in echo agent')
    .option('--trace <file>', "write the interpreter's events (one JSON object a line) to <file>")
    .addHelpText('after', EXIT_HELP)
    .action(async (runId: string, options: ExecOptions) =>
      withStore(async (local) =>
        execute(local, options, exit, async (engine) => {
          const definition = await engine.definitionOf(runId);
          const outcome = await engine.resume(runId);
          return { runId: outcome.runId, steps: definition?.compiled.workflow?.regular ?? [] };
        }),
      ),
    );
}

async function execute(local: LocalStore, options: ExecOptions, exit: { code: number }, body: (engine: LocalEngine) => Promise<{ runId: string; steps: string[] }>) {
  const view = progressView();
  const trace = options.trace ? createWriteStream(options.trace) : undefined;
  let storeRequests = 0;
  if (trace) {
    local.dynamo.client.middlewareStack.add(
      (next) => (args) => {
        storeRequests++;
        return next(args);
      },
      { step: 'initialize', name: 'batonTraceStoreRequests' },
    );
  }
  const engine = new LocalEngine({
    store: local.store,
    echoAgents: options.echoAgents,
    onProgress: view.onProgress,
    onStateEvent: trace ? (event: InterpreterEvent) => trace.write(JSON.stringify({ type: event.type, state: event.state?.name, timestamp: event.timestamp }) + '\n') : undefined,
  });
  // Ctrl-C: stop at once, record the run as interrupted, say how to go on. A second Ctrl-C quits now.
  let interrupts = 0;
  const onInterrupt = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nstopping (Ctrl-C again to quit at once)…\n');
    engine.interrupt();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    const { runId, steps } = await body(engine).finally(() => view.close());
    const result = await buildRunResult(local.store, runId, steps);
    if (!result) throw new Error(`run ${runId} disappeared from the store`);
    if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else process.stdout.write(describeRun(result));
    exit.code = EXIT_BY_STATUS[result.status] ?? 1;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    if (trace) {
      trace.write(JSON.stringify({ type: 'Summary', store_requests: storeRequests }) + '\n');
      await new Promise<void>((resolve) => trace.end(resolve));
    }
  }
}

function executionName(value: string): string {
  const problems = executionNameProblems(value);
  if (problems.length > 0) throw new InvalidArgumentError(`a run id ${problems.join('; ')}.`);
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
