/**
 * npm run bench:makespan — on a fixed-seed set of random DAGs with random step
 * durations: the makespan of the state machine Baton emits, divided by the
 * critical path, beside the same ratio for one Parallel per dependency level.
 * Also the state transitions per step of each (Step Functions bills transitions).
 */
import { compile } from '../compiler/index.ts';
import { dagWorkflow, prng, randomDag } from '../tests/support/random-workflow.ts';
import { criticalPath, levelPlan, simulate } from './asl-timing.ts';
import { printTable } from './table.ts';

const cases = [
  { n: 10, seeds: [1, 2, 3, 4, 5] },
  { n: 30, seeds: [6, 7, 8, 9, 10] },
  { n: 100, seeds: [11, 12, 13] },
  { n: 300, seeds: [14, 15] },
];

const rows: string[][] = [];
let worst = 0;
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
    const barriers = JSON.stringify(result.asl).match(/\.needs"/g)?.length ?? 0;
    rows.push([
      String(n),
      String(seed),
      String(critical),
      ratio.toFixed(2),
      (level.makespan / critical).toFixed(2),
      String(late),
      String(barriers / 2),
      (timing.transitions / n).toFixed(2),
      (level.transitions / n).toFixed(2),
    ]);
  }
}

console.log('makespan of random DAGs (durations 1–60 s) divided by the critical path');
printTable(['steps', 'seed', 'critical s', 'baton', 'per-level', 'late steps', 'barriers', 'transitions/step', 'per-level t/step'], rows);
console.log(`worst baton ratio: ${worst.toFixed(2)} (target 1.00; hops between states cost 0 here, see bench:engine)`);
