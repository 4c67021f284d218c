import type { Workflow } from './model.ts';

/**
 * The shape of the main flow, found from `needs`:
 * - `series`: each block starts when the one before it has finished;
 * - `parallel`: blocks with no dependency between them (an ASL `Parallel`);
 * - `chains`: a part of the graph that is not series-parallel, cut into chains
 *   (paths along real `needs` edges, as few as there can be). Each chain runs in
 *   its own branch; a step waits, behind a barrier on a task token, only for the
 *   needs that lie on other chains (see docs/compiler.md, "Exact dependencies").
 *
 * Every split is exact: a series split is only made where every step after it
 * really depends on every step before it, so no step ever waits for a step it
 * does not need.
 */
export type Block =
  | { kind: 'step'; id: string }
  | { kind: 'series'; blocks: Block[] }
  | { kind: 'parallel'; blocks: Block[] }
  | { kind: 'chains'; chains: string[][] };

export interface Plan {
  root: Block | undefined;
  /** Regular steps in a topological order that keeps file order where it can. */
  order: string[];
  /** Whether `ancestor` is among the transitive `needs` of `step`. */
  isAncestor(ancestor: string, step: string): boolean;
  /** The transitive `needs` of a regular step (computed when asked: large graphs have many). */
  ancestorsOf(step: string): string[];
  /** Direct dependents of every regular step. */
  dependents: Map<string, string[]>;
}

/** Builds the plan of the regular (non-handler) steps. Assumes the graph is acyclic. */
export function planWorkflow(workflow: Workflow): Plan {
  const ids = workflow.regular;
  const index = new Map(ids.map((id, i) => [id, i]));
  const needs = ids.map((id) => workflow.steps.get(id)!.needs.filter((n) => index.has(n)).map((n) => index.get(n)!));
  const order = topologicalOrder(ids.length, needs);
  const ancestors = ancestorBits(ids.length, needs, order);
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  needs.forEach((list, v) => list.forEach((u) => dependents.get(ids[u])!.push(ids[v])));

  const decomposer = new Decomposer(ids, needs, ancestors);
  const root = ids.length === 0 ? undefined : decomposer.decompose(order);

  return {
    root,
    order: order.map((v) => ids[v]),
    dependents,
    isAncestor: (ancestor, step) => index.has(ancestor) && index.has(step) && ancestors.has(index.get(step)!, index.get(ancestor)!),
    ancestorsOf: (step) => (index.has(step) ? ancestors.members(index.get(step)!).map((u) => ids[u]) : []),
  };
}

/** Kahn's algorithm, taking ready steps in file order. */
function topologicalOrder(n: number, needs: number[][]): number[] {
  const remaining = needs.map((list) => new Set(list).size);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  needs.forEach((list, v) => new Set(list).forEach((u) => dependents[u].push(v)));
  const ready: number[] = [];
  for (let v = 0; v < n; v++) if (remaining[v] === 0) ready.push(v);
  const order: number[] = [];
  // A binary heap keeps "file order among the ready" in O(n log n).
  const heap = new MinHeap(ready);
  while (heap.size > 0) {
    const v = heap.pop();
    order.push(v);
    for (const w of dependents[v]) if (--remaining[w] === 0) heap.push(w);
  }
  return order;
}

class MinHeap {
  private items: number[] = [];
  constructor(initial: number[]) {
    for (const item of initial) this.push(item);
  }
  get size() {
    return this.items.length;
  }
  push(value: number) {
    const items = this.items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= items[i]) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }
  pop(): number {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && items[left] < items[smallest]) smallest = left;
        if (right < items.length && items[right] < items[smallest]) smallest = right;
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i], items[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}

/** One bit set per step: bit u of row v is set when u is an ancestor of v. */
export class BitRows {
  readonly n: number;
  readonly words: number;
  readonly bits: Uint32Array;
  constructor(n: number) {
    this.n = n;
    this.words = (n + 31) >>> 5;
    this.bits = new Uint32Array(this.words * n);
  }
  has(row: number, column: number): boolean {
    return (this.bits[row * this.words + (column >>> 5)] & (1 << (column & 31))) !== 0;
  }
  set(row: number, column: number) {
    this.bits[row * this.words + (column >>> 5)] |= 1 << (column & 31);
  }
  orInto(row: number, from: number) {
    const a = row * this.words;
    const b = from * this.words;
    for (let w = 0; w < this.words; w++) this.bits[a + w] |= this.bits[b + w];
  }
  members(row: number): number[] {
    const out: number[] = [];
    for (let w = 0; w < this.words; w++) {
      let word = this.bits[row * this.words + w];
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        out.push(w * 32 + bit);
        word &= word - 1;
      }
    }
    return out;
  }
}

function ancestorBits(n: number, needs: number[][], order: number[]): BitRows {
  const rows = new BitRows(n);
  for (const v of order) {
    for (const u of needs[v]) {
      rows.orInto(v, u);
      rows.set(v, u);
    }
  }
  return rows;
}

class Decomposer {
  private readonly member: Int32Array;
  private stamp = 0;
  private readonly undirected: number[][];
  private readonly ids: string[];
  private readonly ancestors: BitRows;
  private readonly needs: number[][];

  constructor(ids: string[], needs: number[][], ancestors: BitRows) {
    this.ids = ids;
    this.needs = needs;
    this.ancestors = ancestors;
    this.member = new Int32Array(ids.length);
    this.undirected = Array.from({ length: ids.length }, () => []);
    needs.forEach((list, v) =>
      list.forEach((u) => {
        this.undirected[v].push(u);
        this.undirected[u].push(v);
      }),
    );
  }

  /** `nodes` are in topological order; so is every part this returns. */
  decompose(nodes: number[]): Block {
    if (nodes.length === 1) return { kind: 'step', id: this.ids[nodes[0]] };
    const components = this.components(nodes);
    if (components.length > 1) return { kind: 'parallel', blocks: components.map((c) => this.decompose(c)) };
    const parts = this.seriesParts(nodes);
    if (parts.length > 1) return { kind: 'series', blocks: parts.map((p) => this.decompose(p)) };
    return { kind: 'chains', chains: this.chains(nodes).map((chain) => chain.map((v) => this.ids[v])) };
  }

  /**
   * The fewest chains that cover `nodes`, each a path along real edges: a maximum
   * matching of "u then v" pairs (Hopcroft–Karp), seeded with the steps that have
   * a single need here, so that those, who would otherwise wait on a barrier for
   * that one need, follow it directly. Chains come out in topological order of
   * their first step, each in topological order.
   */
  private chains(nodes: number[]): number[][] {
    const stamp = ++this.stamp;
    for (const v of nodes) this.member[v] = stamp;
    const position = new Map(nodes.map((v, i) => [v, i]));
    const inside = (u: number) => this.member[u] === stamp;
    const preds = nodes.map((v) => [...new Set(this.needs[v])].filter(inside).map((u) => position.get(u)!));
    const n = nodes.length;
    const next = new Int32Array(n).fill(-1); // matched successor of a position
    const prev = new Int32Array(n).fill(-1); // matched predecessor
    for (let j = 0; j < n; j++) {
      if (preds[j].length === 1 && next[preds[j][0]] < 0) {
        next[preds[j][0]] = j;
        prev[j] = preds[j][0];
      }
    }
    hopcroftKarp(preds, next, prev);
    const out: number[][] = [];
    for (let j = 0; j < n; j++) {
      if (prev[j] >= 0) continue;
      const chain: number[] = [];
      for (let k = j; k >= 0; k = next[k]) chain.push(nodes[k]);
      out.push(chain);
    }
    return out;
  }

  /** Weakly connected components of the steps in `nodes`, each kept in topological order. */
  private components(nodes: number[]): number[][] {
    const stamp = ++this.stamp;
    for (const v of nodes) this.member[v] = stamp;
    const component = new Map<number, number>();
    let count = 0;
    for (const start of nodes) {
      if (component.has(start)) continue;
      const stack = [start];
      component.set(start, count);
      while (stack.length > 0) {
        const v = stack.pop()!;
        for (const w of this.undirected[v]) {
          if (this.member[w] === stamp && !component.has(w)) {
            component.set(w, count);
            stack.push(w);
          }
        }
      }
      count++;
    }
    const out: number[][] = Array.from({ length: count }, () => []);
    for (const v of nodes) out[component.get(v)!].push(v);
    return out;
  }

  /**
   * Splits `nodes` where every step after the cut has every step before it as an
   * ancestor. For the step at position j, first[j] is the first earlier position
   * that is not its ancestor; a cut after k is exact when no later step has such a
   * position at or before k.
   */
  private seriesParts(nodes: number[]): number[][] {
    const n = nodes.length;
    const first = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      let i = 0;
      while (i < j && this.ancestors.has(nodes[j], nodes[i])) i++;
      first[j] = i;
    }
    const parts: number[][] = [];
    let current: number[] = [];
    const suffixMin = new Int32Array(n + 1);
    suffixMin[n] = n;
    for (let j = n - 1; j >= 0; j--) suffixMin[j] = Math.min(first[j], suffixMin[j + 1]);
    for (let k = 0; k < n; k++) {
      current.push(nodes[k]);
      if (k < n - 1 && suffixMin[k + 1] > k) {
        parts.push(current);
        current = [];
      }
    }
    parts.push(current);
    return parts;
  }
}

/**
 * Grows the matching `next`/`prev` (predecessor position → successor position) to
 * a maximum one: phases of a breadth-first layering from the unmatched successors,
 * then vertex-disjoint augmenting paths along it. O(E √V).
 */
function hopcroftKarp(preds: number[][], next: Int32Array, prev: Int32Array): void {
  const n = preds.length;
  const INF = 1 << 30;
  const dist = new Int32Array(n);
  for (;;) {
    // Layers over successors j; an edge j → u (a predecessor) leads on to u's match.
    const queue: number[] = [];
    for (let j = 0; j < n; j++) {
      if (prev[j] < 0 && preds[j].length > 0) {
        dist[j] = 0;
        queue.push(j);
      } else dist[j] = INF;
    }
    let found = false;
    for (let head = 0; head < queue.length; head++) {
      const j = queue[head];
      for (const u of preds[j]) {
        const k = next[u];
        if (k < 0) found = true;
        else if (dist[k] === INF) {
          dist[k] = dist[j] + 1;
          queue.push(k);
        }
      }
    }
    if (!found) return;
    const augment = (j: number): boolean => {
      for (const u of preds[j]) {
        const k = next[u];
        if (k < 0 || (dist[k] === dist[j] + 1 && augment(k))) {
          next[u] = j;
          prev[j] = u;
          return true;
        }
      }
      dist[j] = INF;
      return false;
    };
    for (let j = 0; j < n; j++) if (prev[j] < 0 && dist[j] === 0) augment(j);
  }
}
