/**
 * npm run bench:engine — what the local engine (`baton run`) costs and how well it
 * schedules, on an in-memory dynalite. Figures only, never pass/fail.
 *
 *  (a) per-step overhead: a 200-step chain of no-op function steps through the
 *      LocalEngine (compile, checkpoints, control) beside 200 no-op Task states on
 *      the bare aws-local-stepfunctions interpreter;
 *  (b) makespan of random DAGs executed for real, steps sleeping 20–300 ms, divided
 *      by the critical path, beside the computed makespan of one Parallel per level;
 *  (c) state transitions per step, counted as StateEntered in the interpreter's log;
 *  (d) 100 concurrent runs of a 20-step workflow: wall time and runs per second.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { LocalEngine, type InterpreterEvent } from '../cli/engine/engine.ts';
import { LOCAL_TABLE, openMemoryDynamo } from '../cli/engine/local-dynamo.ts';
import { compile } from '../compiler/index.ts';
import { CheckpointStore } from '../functions/runtime/store/index.ts';
import { probeLog } from '../tests/fixtures/workflows/steps/probe.ts';
import { prng, randomDag, type RandomDag } from './random-workflow.ts';
import { criticalPath, levelPlan } from './asl-timing.ts';

const STEPS = join(import.meta.dirname, '../tests/fixtures/workflows/steps');
const NOOP = join(STEPS, 'noop.ts');
const PROBE = join(STEPS, 'probe.ts');
const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));

const dynamo = await openMemoryDynamo();
const store = new CheckpointStore({ client: dynamo.client, tableName: LOCAL_TABLE, retentionDays: null });
await store.createTableIfMissing();
let entered = 0;
// Counts the engine's requests to the store, to show where a step's time goes.
let storeCalls = 0;
dynamo.client.middlewareStack.add(
  (next) => (args) => {
    storeCalls++;
    return next(args);
  },
  { step: 'initialize', name: 'benchCountCalls' },
);
const engine = new LocalEngine({
  store,
  onStateEvent: (event: InterpreterEvent) => {
    if (event.type === 'StateEntered') entered++;
  },
});

try {
  await perStepOverhead();
  await dagMakespans();
  // The same hops matter less as steps grow: ten times longer steps, closer to real CI work.
  await dagMakespans(10);
  await concurrentRuns();
} finally {
  await dynamo.close();
  rmSync(dir, { recursive: true, force: true });
}

// ---- (a) and (c): a chain of no-op steps ---------------------------------------

async function perStepOverhead() {
  const n = 200;
  const repeats = 5;
  const file = write('bench-chain', chainWorkflow('bench-chain', n));

  const compileMs = median(Array.from({ length: 5 }, () => time(() => compile(readText(file)))));

  const engineTimes: number[] = [];
  let transitions = 0;
  let calls = 0;
  for (let i = 0; i <= repeats; i++) {
    entered = 0;
    storeCalls = 0;
    const ms = await timeAsync(async () => {
      const outcome = await engine.run({ file });
      if (outcome.status !== 'succeeded') throw new Error(`chain run ${outcome.runId} ${outcome.status}`);
    });
    if (i > 0) engineTimes.push(ms); // the first run warms the JIT and the module cache
    transitions = entered;
    calls = storeCalls;
  }

  const bare = bareChain(n);
  const bareTimes: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const ms = await timeAsync(() => bare.run());
    if (i > 0) bareTimes.push(ms);
  }

  const engineMs = median(engineTimes);
  const bareMs = median(bareTimes);
  console.log(`(a) per-step overhead: a chain of ${n} no-op steps (median of ${repeats} runs after a warm-up)`);
  table(
    ['runner', 'run', 'per step'],
    [
      ['LocalEngine (baton run)', ms(engineMs), ms(engineMs / n, 2)],
      ['bare aws-local-stepfunctions', ms(bareMs), ms(bareMs / n, 3)],
      ['difference', ms(engineMs - bareMs), ms((engineMs - bareMs) / n, 2)],
    ],
  );
  console.log(`    of which compiling the ${n}-step definition: ${ms(compileMs)} per run; store requests: ${(calls / n).toFixed(2)} per step (dynalite over HTTP, about 1 ms each)`);
  console.log('    target: ≤ 5 ms per step over the bare interpreter');
  console.log();
  console.log('(c) state transitions per step (StateEntered in the interpreter\'s log)');
  table(['workflow', 'steps', 'StateEntered', 'per step'], [['chain', String(n), String(transitions), (transitions / n).toFixed(2)]]);
  console.log();
}

function chainWorkflow(name: string, n: number): string {
  const lines = [`name: ${name}`, 'steps:'];
  for (let i = 0; i < n; i++) lines.push(`  s${i}: { function: ${NOOP}${i > 0 ? `, needs: s${i - 1}` : ''} }`);
  return lines.join('\n') + '\n';
}

/** n Task states in a row, each bound to a local handler that does nothing. */
function bareChain(n: number) {
  const states: Record<string, unknown> = {};
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (let i = 0; i < n; i++) {
    states[`s${i}`] = { Type: 'Task', Resource: `arn:aws:lambda:us-east-1:123456789012:function:noop`, ...(i + 1 < n ? { Next: `s${i + 1}` } : { End: true }) };
    handlers[`s${i}`] = async () => null;
  }
  const machine = new StateMachine({ StartAt: 's0', States: states } as never, { validationOptions: { noValidate: true } });
  return {
    run: async () => {
      await machine.run({}, { overrides: { taskResourceLocalHandlers: handlers as never } }).result;
    },
  };
}

// ---- (b) and (c): random DAGs with real sleeps -------------------------------------

async function dagMakespans(scale = 1) {
  const cases =
    scale === 1
      ? [
          { n: 10, seeds: [1, 2, 3] },
          { n: 30, seeds: [4, 5] },
          { n: 60, seeds: [6] },
        ]
      : [
          { n: 10, seeds: [2] },
          { n: 30, seeds: [5] },
        ];
  const rows: string[][] = [];
  const transitionRows: string[][] = [];
  let worst = 0;
  for (const { n, seeds } of cases) {
    for (const seed of seeds) {
      const dag = randomDag(n, seed, { maxNeeds: 3, window: 6 });
      const random = prng(seed * 7919);
      // 20 to 300 ms, skewed: most steps are quick, a few are slow.
      const durations = new Map(dag.ids.map((id) => [id, Math.round(scale * (20 + 280 * random() ** 2))]));
      const name = `bench-dag-${n}-${seed}`;
      const file = write(name, sleepingDagWorkflow(name, dag, durations));

      probeLog().length = 0;
      entered = 0;
      let wall = 0;
      wall = await timeAsync(async () => {
        const outcome = await engine.run({ file });
        if (outcome.status !== 'succeeded') throw new Error(`${name}: ${outcome.status}`);
      });
      const calls = new Map(probeLog().map((c) => [c.step, c]));
      const first = Math.min(...[...calls.values()].map((c) => c.start));
      const span = Math.max(...[...calls.values()].map((c) => c.end!)) - first;
      // How long each step waited after its last need had ended (roots: after the first start).
      const delays = dag.ids.map((id, i) => calls.get(id)!.start - Math.max(first, ...dag.needs[i].map((need) => calls.get(need)!.end!)));
      const critical = criticalPath(dag.ids, dag.needs, durations);
      const level = levelPlan(dag.ids, dag.needs, durations);
      worst = Math.max(worst, span / critical);
      rows.push([
        String(n),
        String(seed),
        ms(critical),
        ms(span),
        (span / critical).toFixed(3),
        (level.makespan / critical).toFixed(3),
        ms(delays.reduce((a, b) => a + b, 0) / delays.length, 1),
        ms(Math.max(...delays)),
        ms(wall - span),
      ]);
      transitionRows.push([`dag ${n}/${seed}`, String(n), String(entered), (entered / n).toFixed(2), (level.transitions / n).toFixed(2)]);
    }
  }
  console.log(`(b) makespan of random DAGs run for real (steps sleep ${20 * scale}–${300 * scale} ms), divided by the critical path`);
  table(['steps', 'seed', 'critical', 'makespan', 'baton', 'per-level (computed)', 'mean start delay', 'max delay', 'run − makespan'], rows);
  console.log(`    worst baton ratio: ${worst.toFixed(3)} (1.000 is exact; the delays are the engine's hops between a need's end and its dependent's start)`);
  console.log();
  if (scale !== 1) return;
  console.log('(c) state transitions per step on the same DAGs (StateEntered), beside a one-Parallel-per-level plan');
  table(['workflow', 'steps', 'StateEntered', 'per step', 'per-level plan'], transitionRows);
  console.log();
}

function sleepingDagWorkflow(name: string, dag: RandomDag, durations: Map<string, number>): string {
  const lines = [`name: ${name}`, 'steps:'];
  dag.ids.forEach((id, i) => {
    const needs = dag.needs[i].length > 0 ? `, needs: [${dag.needs[i].join(', ')}]` : '';
    lines.push(`  ${id}: { function: ${PROBE}, with: { sleep_ms: ${durations.get(id)} }${needs} }`);
  });
  return lines.join('\n') + '\n';
}

// ---- (d) many runs at once ------------------------------------------------------

async function concurrentRuns() {
  const runs = 100;
  const steps = 20;
  const file = write('bench-many', chainWorkflow('bench-many', steps));
  await engine.run({ file }); // warm-up

  let failed = 0;
  const wall = await timeAsync(async () => {
    const outcomes = await Promise.all(Array.from({ length: runs }, () => engine.run({ file })));
    failed = outcomes.filter((o) => o.status !== 'succeeded').length;
  });
  console.log(`(d) ${runs} concurrent runs of a ${steps}-step chain of no-op steps, one engine, one in-memory dynalite`);
  table(
    ['runs', 'steps each', 'wall', 'runs/s', 'steps/s', 'failed'],
    [[String(runs), String(steps), ms(wall), (runs / (wall / 1000)).toFixed(1), ((runs * steps) / (wall / 1000)).toFixed(0), String(failed)]],
  );
}

// ---- helpers -------------------------------------------------------------------

function write(name: string, yaml: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function ms(value: number, digits = 0): string {
  return `${value.toFixed(digits)} ms`;
}

function table(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
  console.log(line(head));
  for (const row of rows) console.log(line(row));
}
