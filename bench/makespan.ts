/**
 * npm run bench:makespan — on a fixed-seed set of random DAGs with random step
 * durations: the makespan of the state machine Baton emits, divided by the
 * critical path, beside the same ratio for one Parallel per dependency level;
 * and what a run of it costs on Step Functions: state transitions (billed),
 * Lambda invocations and history events per step, and definition bytes per step.
 */
import { compile } from '../compiler/index.ts';
import { chainWorkflow, dagWorkflow, prng, randomDag } from './random-workflow.ts';
import { criticalPath, levelPlan, MAX_HISTORY_EVENTS, simulate } from './asl-timing.ts';
import { printTable } from './table.ts';

const cases = [
  { n: 10, seeds: [1, 2, 3, 4, 5] },
  { n: 30, seeds: [6, 7, 8, 9, 10] },
  { n: 100, seeds: [11, 12, 13] },
  { n: 300, seeds: [14, 15] },
];

const rows: string[][] = [];
let worst = 0;
let worstTransitions = 0;
const perStepEvents: number[] = [];
for (const { n, seeds } of cases) {
  for (const seed of seeds) {
    const dag = randomDag(n, seed, { maxNeeds: 3, window: 6 });
    const random = prng(seed * 7919);
    // Durations from 1 s to 60 s, skewed: most steps are quick, a few are slow.
    const durations = new Map(dag.ids.map((id) => [id, Math.round(1 + 59 * random() ** 3)]));
    const result = compile(dagWorkflow(dag));
    if (!result.asl) throw new Error(result.diagnostics[0]?.message);
    const timing = simulate(result.asl as never, durations);
    const critical = criticalPath(dag.ids, dag.needs, durations);
    const level = levelPlan(dag.ids, dag.needs, durations);
    // Exactness check: every step ends exactly at its earliest possible time.
    const earliest = new Map<string, number>();
    dag.ids.forEach((id, i) => earliest.set(id, Math.max(0, ...dag.needs[i].map((x) => earliest.get(x)!)) + durations.get(id)!));
    const late = dag.ids.filter((id) => timing.ends.get(id) !== earliest.get(id)).length;
    const ratio = timing.makespan / critical;
    worst = Math.max(worst, ratio);
    worstTransitions = Math.max(worstTransitions, timing.transitions / n);
    perStepEvents.push(timing.historyEvents / n);
    const waits = JSON.stringify(result.asl).match(/\.needs"/g)?.length ?? 0;
    rows.push([
      String(n),
      String(seed),
      String(critical),
      ratio.toFixed(2),
      (level.makespan / critical).toFixed(2),
      String(late),
      String(waits / 2),
      (timing.transitions / n).toFixed(2),
      (level.transitions / n).toFixed(2),
      (timing.lambdaCalls / n).toFixed(2),
      (timing.historyEvents / n).toFixed(2),
      String(Math.round(Buffer.byteLength(JSON.stringify(result.asl)) / n)),
    ]);
  }
}

console.log('makespan of random DAGs (durations 1–60 s) divided by the critical path, and what one run costs');
printTable(['steps', 'seed', 'critical s', 'baton', 'per-level', 'late steps', 'waits', 'transitions/step', 'per-level t/step', 'Lambda calls/step', 'history events/step', 'bytes/step'], rows);
console.log(`worst baton ratio: ${worst.toFixed(2)} (target 1.00); most transitions per step: ${worstTransitions.toFixed(2)} (target ≤ 2.0)`);

// A chain: the plain case.
const chain = compile(chainWorkflow(1000));
const chainTiming = simulate(chain.asl as never, new Map(Array.from({ length: 1000 }, (_, i) => [`s${i}`, 1])));
console.log();
console.log('a chain of 1,000 function steps');
printTable(
  ['transitions/step', 'Lambda calls/step', 'history events/step', 'bytes/step'],
  [[(chainTiming.transitions / 1000).toFixed(2), (chainTiming.lambdaCalls / 1000).toFixed(2), (chainTiming.historyEvents / 1000).toFixed(2), String(Math.round(Buffer.byteLength(JSON.stringify(chain.asl)) / 1000))]],
);

// The largest workflows whose one run stays under Step Functions' 25,000 history events.
const largest = (events: (n: number) => number) => {
  let low = 1;
  let high = 16_384;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (events(mid) <= MAX_HISTORY_EVENTS) low = mid;
    else high = mid - 1;
  }
  return low;
};
const chainEvents = (n: number) => {
  const result = compile(chainWorkflow(n));
  if (!result.asl) return Infinity; // over 1 MB: it would not deploy either
  return simulate(result.asl as never, new Map(Array.from({ length: n }, (_, i) => [`s${i}`, 1]))).historyEvents;
};
const dagEvents = (n: number) => {
  const dag = randomDag(n, 14, { maxNeeds: 3, window: 6 });
  const result = compile(dagWorkflow(dag));
  if (!result.asl) return Infinity;
  return simulate(result.asl as never, new Map(dag.ids.map((id) => [id, 1]))).historyEvents;
};
console.log();
console.log(`largest workflow whose run stays under ${MAX_HISTORY_EVENTS.toLocaleString('en')} history events and whose definition under 1 MB: a chain of ${largest(chainEvents)} steps; a random DAG (seed 14) of ${largest(dagEvents)} steps`);
