/**
 * npm run bench:compile — compile time of random workflows of 10 to 10,000 steps.
 * Prints the median of several compiles per size and the time per step, so the
 * growth (near-linear or not) reads straight off the table.
 */
import { compile } from '../compiler/index.ts';
import { chainWorkflow, dagWorkflow, randomDag } from './random-workflow.ts';
import { simulate } from './asl-timing.ts';
import { printTable } from './table.ts';

const sizes = [10, 100, 1_000, 10_000];
const rows: string[][] = [];
let previous: number | undefined;

const shapes = [
  { shape: 'random', text: (size: number) => dagWorkflow(randomDag(size, 42 + size, { maxNeeds: 3, window: 8 })) },
  { shape: 'chain', text: (size: number) => chainWorkflow(size) },
];
for (const { shape, text: make } of shapes) for (const size of sizes) {
  const text = make(size);
  const repeats = size >= 10_000 ? 3 : size >= 1_000 ? 7 : 25;
  compile(text); // warm the JIT on this shape
  const times: number[] = [];
  let states = 0;
  let bytes = 0;
  let costs = '-';
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    const result = compile(text);
    times.push(performance.now() - start);
    const tooLarge = result.diagnostics.find((d) => d.code === 'BTN307');
    if (!result.asl && !tooLarge) throw new Error(`random workflow of ${size} steps did not compile: ${result.diagnostics[0]?.message}`);
    bytes = result.asl ? JSON.stringify(result.asl).length : Number(/is (\d+) bytes/.exec(tooLarge!.message)?.[1]);
    states = result.asl ? countStates(result.asl) : NaN;
    if (result.asl && i === 0) {
      const run = simulate(result.asl as never, new Map(result.workflow!.regular.map((id) => [id, 1])));
      costs = `${(run.transitions / size).toFixed(2)} / ${(run.lambdaCalls / size).toFixed(2)} / ${(run.historyEvents / size).toFixed(2)}`;
    }
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const growth = previous === undefined || size === sizes[0] ? '' : `${(median / previous).toFixed(1)}x`;
  previous = median;
  rows.push([shape, String(size), `${median.toFixed(1)} ms`, `${((median * 1000) / size).toFixed(1)} µs`, growth, Number.isNaN(states) ? '-' : String(states), `${(bytes / 1024).toFixed(0)} KiB${bytes > 1024 * 1024 ? ' (over 1 MB: BTN307)' : ''}`, String(Math.round(bytes / size)), costs]);
}

console.log('compile time of random workflows (median; needs: up to 3 among the 8 steps before) and of chains, and what one run of each costs');
printTable(['shape', 'steps', 'compile', 'per step', 'growth ×10 steps', 'states', 'ASL size', 'bytes/step', 'per step: transitions / Lambda calls / history events'], rows);
console.log('target: 1,000 steps in ≤ 100 ms, near-linear growth (≈10x per row)');

function countStates(machine: Record<string, unknown>): number {
  let n = 0;
  for (const state of Object.values(machine.States as Record<string, Record<string, unknown>>)) {
    n++;
    for (const branch of (state.Branches as Array<Record<string, unknown>>) ?? []) n += countStates(branch);
    if (state.ItemProcessor) n += countStates(state.ItemProcessor as Record<string, unknown>);
  }
  return n;
}
