import fc from 'fast-check';
import { describe, it } from 'vitest';
import { compileNeverThrows } from '../../fuzz/compile-arbitraries.ts';

describe('compile: fuzzed files', () => {
  // A few hundred cases here; `npm run fuzz` runs 10,000 and more.
  it('never throws, and locates every diagnostic inside the file (mutated definitions, made-up YAML, JSON and bytes)', () => {
    fc.assert(compileNeverThrows, { numRuns: 500 });
  });
});
