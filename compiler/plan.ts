import type { Workflow } from './model.ts';

/**
 * The shape of the main flow, found from `needs`:
 * - `series`: each block starts when the one before it has finished;
 * - `parallel`: blocks with no dependency between them (an ASL `Parallel`);
 * - `tree`: a part of the graph that is not series-parallel, as a forest along
 *   real `needs` edges: each step runs right after one of its needs (its tree
 *   parent), the children of a step with several fork in a Parallel after it,
 *   and a step waits, behind a barrier on a task token, only for its other needs
 *   (see docs/compiler.md, "Exact dependencies").
 *
 * Every split is exact: a series split is only made where every step after it
 * really depends on every step before it, so no step ever waits for a step it
 * does not need.
 */
export type Block =
  | { kind: 'step'; id: string }
  | { kind: 'series'; blocks: Block[] }
  | { kind: 'parallel'; blocks: Block[] }
  | { kind: 'tree'; roots: TreeNode[] };

/** A step of a `tree` block and the steps that run right after it. */
export interface TreeNode {
  id: string;
  children: TreeNode[];
}

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
    return { kind: 'tree', roots: this.tree(nodes) };
  }

  /**
   * The forest of `nodes` along real edges. A step that has one need here runs
   * right after it (a wait saved); a need can run one step after it on its own
   * branch, and forks the rest into a Parallel, which costs a state, so it forks
   * only when that saves more than one wait: two more single-need steps at least,
   * else the one left over waits. A step with several needs waits anyway, for all
   * but its parent: it follows a need whose branch has no next step yet, or, if
   * none has, starts a branch of its own.
   */
  private tree(nodes: number[]): TreeNode[] {
    const stamp = ++this.stamp;
    for (const v of nodes) this.member[v] = stamp;
    const made = new Map(nodes.map((v) => [v, { id: this.ids[v], children: [] } as TreeNode]));
    const needsHere = new Map(nodes.map((v) => [v, [...new Set(this.needs[v])].filter((u) => this.member[u] === stamp)]));
    const next = new Map<number, number>();
    const extra = new Map<number, number[]>();
    const roots: number[] = [];
    for (const v of nodes) {
      const needs = needsHere.get(v)!;
      if (needs.length !== 1) continue;
      const p = needs[0];
      if (!next.has(p)) next.set(p, v);
      else extra.set(p, [...(extra.get(p) ?? []), v]);
    }
    for (const [p, more] of extra) {
      if (more.length >= 2) continue;
      roots.push(...more);
      extra.delete(p);
    }
    for (const v of nodes) {
      const needs = needsHere.get(v)!;
      if (needs.length === 0) roots.push(v);
      if (needs.length < 2) continue;
      const free = needs.filter((u) => !next.has(u));
      if (free.length === 0) roots.push(v);
      else next.set(free.at(-1)!, v);
    }
    for (const [p, v] of next) made.get(p)!.children.push(made.get(v)!);
    for (const [p, more] of extra) made.get(p)!.children.push(...more.map((v) => made.get(v)!));
    const order = new Map(nodes.map((v, i) => [this.ids[v], i]));
    for (const node of made.values()) node.children.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    return roots.sort((a, b) => order.get(this.ids[a])! - order.get(this.ids[b])!).map((v) => made.get(v)!);
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
