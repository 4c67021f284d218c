/**
 * `npm run fuzz [-- --runs N] [-- --seed S]`: feeds compile() mutated shipped
 * definitions and made-up YAML, JSON and bytes (compile-arbitraries.ts) and
 * checks that it never throws and that every diagnostic is located inside the
 * file. Prints the number of cases and the time; on a failure, the shrunk case,
 * the seed and the path to replay it, and exits 1.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { compileNeverThrows } from './compile-arbitraries.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' }, path: { type: 'string' } } });
const numRuns = Number(values.runs);
if (!Number.isInteger(numRuns) || numRuns < 1) {
  console.error(`--runs takes a positive whole number, not ${values.runs}`);
  process.exit(2);
}
const seed = values.seed === undefined ? Date.now() ^ (Math.random() * 2 ** 31) : Number(values.seed);

const started = performance.now();
const details = fc.check(compileNeverThrows, { numRuns, seed, path: values.path });
const seconds = ((performance.now() - started) / 1000).toFixed(1);

if (details.failed) {
  console.error(fc.defaultReportMessage(details) ?? 'the property failed');
  const error = details.errorInstance;
  console.error(`\nerror: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  console.error(`\ncompile fuzz: FAILED after ${details.numRuns} cases in ${seconds} s (replay: npm run fuzz -- --seed ${details.seed} --path ${details.counterexamplePath})`);
  process.exit(1);
}
console.log(`compile fuzz: ${details.numRuns} cases, no failure, in ${seconds} s (seed ${seed})`);
