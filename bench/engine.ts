/**
 * npm run bench:engine — what the local engine (`baton run`) costs and how well
 * it schedules, through the `baton` command itself (a child process per run, a
 * temporary $BATON_HOME). Figures only, never pass/fail.
 *
 *  (a) per-step overhead: a 200-step chain of no-op function steps against a
 *      1-step one (the difference, per step, is what a step costs the engine),
 *      beside 200 no-op Task states on the bare aws-local-stepfunctions;
 *  (b) makespan of random DAGs executed for real, steps sleeping 20–300 ms (and
 *      10× that), divided by the critical path, beside one Parallel per level;
 *  (c) state transitions per step (StateEntered in the run's --trace), and store
 *      requests per step;
 *  (d) concurrent runs: several `baton run` processes on one $BATON_HOME.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { criticalPath, levelPlan } from './asl-timing.ts';
import { chainWorkflow, prng, randomDag, type RandomDag } from './random-workflow.ts';

const ROOT = join(import.meta.dirname, '..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const BATON = join(ROOT, 'cli/bin.ts');
const NOOP = join(ROOT, 'bench/steps/noop.ts');
const SLEEP = join(ROOT, 'bench/steps/sleep.ts');
const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
const home = join(dir, 'home');

interface Run {
  ms: number;
  code: number | null;
  stdout: string;
  entered: number;
  storeRequests: number;
}

/** `baton run FILE --json --trace`, timed from spawn to exit. */
function baton(file: string, extra: string[] = []): Promise<Run> {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}.jsonl`);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BATON, 'run', file, '--json', '--trace', trace, ...extra], { env: { ...process.env, BATON_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) return reject(new Error(`baton run ${file} exited ${code}: ${stderr.slice(-500)}`));
      const lines = existsSync(trace) ? readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
      const summary = lines.find((l) => l.type === 'Summary') ?? {};
      resolve({ ms, code, stdout, entered: lines.filter((l) => l.type === 'StateEntered').length, storeRequests: summary.store_requests ?? 0 });
    });
  });
}

try {
  await perStepOverhead();
  await dagMakespans(1);
  await dagMakespans(10);
  await concurrentRuns();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// ---- (a) and (c): chains of no-op steps ----------------------------------------

async function perStepOverhead() {
  const n = 200;
  const long = write('bench-chain', chainWorkflow(n, 'bench-chain', NOOP));
  const short = write('bench-one', chainWorkflow(1, 'bench-one', NOOP));
  await baton(short); // warms the module cache and creates the store
  const longRuns: Run[] = [];
  const shortRuns: Run[] = [];
  for (let i = 0; i < 5; i++) {
    shortRuns.push(await baton(short));
    longRuns.push(await baton(long));
  }
  const engineMs = median(longRuns.map((r) => r.ms)) - median(shortRuns.map((r) => r.ms));

  const bare = bareChain(n);
  const bareTimes: number[] = [];
  for (let i = 0; i <= 5; i++) {
    const ms = await timeAsync(() => bare.run());
    if (i > 0) bareTimes.push(ms);
  }
  const bareMs = median(bareTimes);
  console.log(`(a) per-step overhead: a ${n}-step chain of no-op steps minus a 1-step one (baton run, median of 5 each)`);
  table(
    ['runner', `${n - 1} more steps`, 'per step'],
    [
      ['baton run (engine, checkpoints, control)', ms(engineMs), ms(engineMs / (n - 1), 2)],
      ['bare aws-local-stepfunctions', ms(bareMs), ms(bareMs / n, 3)],
      ['difference', ms(engineMs - bareMs), ms((engineMs - bareMs) / (n - 1), 2)],
    ],
  );
  const run = longRuns.at(-1)!;
  console.log(`    whole run of ${n} steps: ${ms(median(longRuns.map((r) => r.ms)))} (a 1-step run: ${ms(median(shortRuns.map((r) => r.ms)))}: starting node, compiling, opening the store)`);
  console.log(`    store requests: ${(run.storeRequests / n).toFixed(2)} per step (dynalite, served by the run's own process: about 1 ms each)`);
  console.log('    target: ≤ 5 ms per step over the bare interpreter');
  console.log();
  console.log("(c) state transitions per step (StateEntered in the run's --trace)");
  table(['workflow', 'steps', 'StateEntered', 'per step'], [['chain', String(n), String(run.entered), (run.entered / n).toFixed(2)]]);
  console.log();
}

/** n Task states in a row, each bound to a local handler that does nothing. */
function bareChain(n: number) {
  const states: Record<string, unknown> = {};
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (let i = 0; i < n; i++) {
    states[`s${i}`] = { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:noop', ...(i + 1 < n ? { Next: `s${i + 1}` } : { End: true }) };
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

async function dagMakespans(scale: number) {
  const cases = scale === 1 ? [{ n: 10, seeds: [1, 2, 3] }, { n: 30, seeds: [4, 5] }, { n: 60, seeds: [6] }] : [{ n: 10, seeds: [2] }, { n: 30, seeds: [5] }];
  const rows: string[][] = [];
  const transitionRows: string[][] = [];
  let worst = 0;
  for (const { n, seeds } of cases) {
    for (const seed of seeds) {
      const dag = randomDag(n, seed, { maxNeeds: 3, window: 6 });
      const random = prng(seed * 7919);
      // 20 to 300 ms, skewed: most steps are quick, a few are slow.
      const durations = new Map(dag.ids.map((id) => [id, Math.round(scale * (20 + 280 * random() ** 2))]));
      const name = `bench-dag-${n}-${seed}-${scale}`;
      const log = join(dir, `${name}.log`);
      const file = write(name, sleepingDagWorkflow(name, dag, durations, log));
      const run = await baton(file);
      const calls = new Map(readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: string; start: number; end: number }).map((c) => [c.step, c]));
      const first = Math.min(...[...calls.values()].map((c) => c.start));
      const span = Math.max(...[...calls.values()].map((c) => c.end)) - first;
      // How long each step waited after its last need had ended (roots: after the first start).
      const delays = dag.ids.map((id, i) => calls.get(id)!.start - Math.max(first, ...dag.needs[i].map((need) => calls.get(need)!.end)));
      const critical = criticalPath(dag.ids, dag.needs, durations);
      const level = levelPlan(dag.ids, dag.needs, durations);
      worst = Math.max(worst, span / critical);
      rows.push([String(n), String(seed), ms(critical), ms(span), (span / critical).toFixed(3), (level.makespan / critical).toFixed(3), ms(delays.reduce((a, b) => a + b, 0) / delays.length, 1), ms(Math.max(...delays))]);
      transitionRows.push([`dag ${n}/${seed}`, String(n), String(run.entered), (run.entered / n).toFixed(2), (level.transitions / n).toFixed(2), (run.storeRequests / n).toFixed(2)]);
    }
  }
  console.log(`(b) makespan of random DAGs run for real (steps sleep ${20 * scale}–${300 * scale} ms), divided by the critical path`);
  table(['steps', 'seed', 'critical', 'makespan', 'baton', 'per-level (computed)', 'mean start delay', 'max delay'], rows);
  console.log(`    worst baton ratio: ${worst.toFixed(3)} (1.000 is exact; the delays are the engine's hops between a need's end and its dependent's start)${scale === 1 ? '; target ≤ 1.05' : ''}`);
  console.log();
  if (scale !== 1) return;
  console.log('(c) state transitions and store requests per step on the same DAGs, beside a one-Parallel-per-level plan');
  table(['workflow', 'steps', 'StateEntered', 'per step', 'per-level plan', 'store requests/step'], transitionRows);
  console.log();
}

function sleepingDagWorkflow(name: string, dag: RandomDag, durations: Map<string, number>, log: string): string {
  const lines = [`name: ${name}`, 'steps:'];
  dag.ids.forEach((id, i) => {
    const needs = dag.needs[i].length > 0 ? `, needs: [${dag.needs[i].join(', ')}]` : '';
    lines.push(`  ${id}: { function: ${SLEEP}, with: { sleep_ms: ${durations.get(id)}, log: ${JSON.stringify(log)} }${needs} }`);
  });
  return lines.join('\n') + '\n';
}

// ---- (d) many runs at once ------------------------------------------------------

async function concurrentRuns() {
  const processes = 8;
  const steps = 20;
  const file = write('bench-many', chainWorkflow(steps, 'bench-many', NOOP));
  let failures: string[] = [];
  const wall = await timeAsync(async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: processes }, () => baton(file)));
    failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error).message)] : []));
  });
  const failed = failures.length;
  console.log(`(d) ${processes} concurrent baton run processes, each a ${steps}-step chain of no-op steps, on one $BATON_HOME (one of them serves the database)`);
  table(['runs', 'steps each', 'wall', 'runs/s', 'steps/s', 'failed'], [[String(processes), String(steps), ms(wall), (processes / (wall / 1000)).toFixed(1), ((processes * steps) / (wall / 1000)).toFixed(0), String(failed)]]);
  for (const failure of failures) console.log(`    failed: ${failure}`);
}

// ---- helpers -------------------------------------------------------------------

function write(name: string, yaml: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
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
