/**
 * Random workflows over random DAGs, from a seed, for property tests and
 * benchmarks. Step i may need any earlier step, so every graph is acyclic.
 */

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomDag {
  ids: string[];
  needs: string[][];
}

/**
 * `n` steps; each picks up to `maxNeeds` needs among the `window` steps before it
 * (a window keeps long graphs deep rather than flat, as real pipelines are).
 */
export function randomDag(n: number, seed: number, options: { maxNeeds?: number; window?: number } = {}): RandomDag {
  const random = prng(seed);
  const maxNeeds = options.maxNeeds ?? 3;
  const window = options.window ?? 8;
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const needs = ids.map((_, i) => {
    if (i === 0) return [];
    const count = Math.floor(random() * (maxNeeds + 1));
    const picked = new Set<string>();
    for (let k = 0; k < count; k++) picked.add(ids[Math.max(0, i - 1 - Math.floor(random() * Math.min(window, i)))]);
    return [...picked];
  });
  return { ids, needs };
}

/** The DAG as a workflow file whose steps call one function file. */
export function dagWorkflow(dag: RandomDag, name = 'random', functionFile = './noop.ts'): string {
  const lines = [`name: ${name}`, 'steps:'];
  dag.ids.forEach((id, i) => {
    lines.push(`  ${id}:`);
    lines.push(`    function: ${functionFile}`);
    if (dag.needs[i].length > 0) lines.push(`    needs: [${dag.needs[i].join(', ')}]`);
  });
  return lines.join('\n') + '\n';
}

/** Transitive needs of every step. */
export function ancestorsOf(dag: RandomDag): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  dag.ids.forEach((id, i) => {
    const set = new Set<string>();
    for (const need of dag.needs[i]) {
      set.add(need);
      for (const a of out.get(need)!) set.add(a);
    }
    out.set(id, set);
  });
  return out;
}

/** A chain of `n` function steps, each needing the one before. */
export function chainWorkflow(n: number, name = 'chain', functionFile = './noop.ts'): string {
  const lines = [`name: ${name}`, 'steps:'];
  for (let i = 0; i < n; i++) lines.push(`  s${i}: { function: ${functionFile}${i > 0 ? `, needs: s${i - 1}` : ''} }`);
  return lines.join('\n') + '\n';
}
