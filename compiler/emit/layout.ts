/**
 * The main flow's shape, from the plan's blocks: a series runs its blocks one
 * after the other, a parallel block runs them side by side (a `Parallel`), and a
 * `tree` block runs each step right after its tree parent (forking a Parallel
 * where a step has several children), a step waiting behind a barrier only for
 * its other needs.
 *
 * In fast mode (docs/compiler.md, "The flow") a series has one cascade: when a
 * step of it does not end as its dependents want, the flow leaves by the
 * series' `<first>+.skip-rest` (`<first>`: the first step after the series'
 * first block), a Pass holding a skipped record for every later step, then
 * `<first>+.skipped`, whose `States.JsonMerge` keeps the records that exist, and
 * goes on by the series' own cascade exit. Inside a tree branch whose steps have
 * dependents waiting behind barriers, `<first>+.skip-rest` is instead one
 * `steps.skip` call of the control Lambda, which also tells those dependents. A
 * Parallel's `.check` Choice decides which exit its end takes.
 */
import type { Block, TreeNode } from '../plan.ts';
import { acceptedStatuses, and, BASE_SELECTOR, skippedRecord, statusIs, type EmitContext } from './context.ts';
import { choice, parallel, pass, refersTo, task, type Fragment, type States } from './states.ts';
import { skipEvent } from './payloads.ts';
import { transientRetrier } from './retry.ts';
import { declaredOutputs } from '../model.ts';
import { emitStep, type Exits, type Mode } from './step-flow.ts';

/**
 * The main flow. Blocks before the first one that holds a rescuer (a step whose
 * `if` names a status function) run in fast mode; from there on, guarded.
 */
export function emitMainFlow(ctx: EmitContext, root: Block, exits: Exits): Fragment {
  const blocks = root.kind === 'series' ? root.blocks : [root];
  const first = blocks.findIndex((b) => hasRescuer(ctx, b));
  if (first < 0) return emitSeries(ctx, blocks, 'fast', exits);
  const states: States = {};
  const tail = emitSeries(ctx, blocks.slice(first), 'guarded', { ok: exits.cascade, cascade: exits.cascade });
  Object.assign(states, tail.states);
  if (first === 0) return { startAt: tail.startAt, states };
  const head = emitSeries(ctx, blocks.slice(0, first), 'fast', { ok: tail.startAt, cascade: tail.startAt });
  Object.assign(states, head.states);
  return { startAt: head.startAt, states };
}

function emitSeries(ctx: EmitContext, blocks: Block[], mode: Mode, exits: Exits): Fragment {
  const states: States = {};
  // The first block always runs, so its steps all have records when the flow leaves it; the others may not.
  const later = blocks.slice(1).flatMap((b) => stepsOf(b));
  const cascade = mode === 'fast' && later.length > 0 ? ctx.claim(cascadeName(later)) : exits.cascade;
  let next = exits.ok;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const fragment = emitBlock(ctx, blocks[i], mode, { ok: next, cascade });
    Object.assign(states, fragment.states);
    next = fragment.startAt;
  }
  if (mode === 'fast' && later.length > 0) {
    // The cascade's states are made only if some block leaves by it.
    if (refersTo(states, cascade!)) Object.assign(states, emitCascade(ctx, cascade!, later, exits.cascade));
    else ctx.unclaim(cascade!);
  }
  return { startAt: next!, states };
}

function emitBlock(ctx: EmitContext, block: Block, mode: Mode, exits: Exits): Fragment {
  switch (block.kind) {
    case 'step':
      return emitStep(ctx, block.id, mode, exits);
    case 'series':
      return emitSeries(ctx, block.blocks, mode, exits);
    case 'parallel':
      return emitParallel(ctx, block, mode, exits, block.blocks.map((b) => () => emitSeries(ctx, b.kind === 'series' ? b.blocks : [b], mode, { ok: undefined, cascade: undefined })));
    case 'tree': {
      const tree = treeOf(block.roots);
      return emitParallel(ctx, block, mode, exits, block.roots.map((root) => () => emitTreeBranch(ctx, root, tree, mode)));
    }
  }
}

/**
 * A Parallel whose branches each end with the whole state data; their `steps`
 * merge back into one map. In fast mode its `.check` sends the flow on by `ok`
 * when every step it holds that is needed after it ended well.
 */
function emitParallel(ctx: EmitContext, block: Block, mode: Mode, exits: Exits, branches: Array<() => Fragment>): Fragment {
  const ids = stepsOf(block);
  const name = ctx.claim(parallelName(firstSteps(block)));
  const rendered = branches.map((emit) => emit());
  const states: States = {};
  let next = exits.ok;
  if (mode === 'fast' && exits.ok !== undefined) {
    const inside = new Set(ids);
    const exported = ids.filter((id) => (ctx.plan.dependents.get(id) ?? []).some((d) => !inside.has(d)));
    if (exported.length === 0) {
      next = exits.cascade;
    } else {
      const check = ctx.claim(`${name}.check`);
      const rule = and(exported.map((id) => statusIs(id, acceptedStatuses(ctx.step(id)))));
      states[check] = choice({ comment: `Did ${exported.join(', ')} end well?`, choices: [{ ...(rule as object), Next: exits.ok }], default: exits.cascade! });
      next = check;
    }
  }
  states[name] = parallel({
    comment: `Runs ${firstSteps(block).join(', ')} side by side.`,
    branches: rendered,
    resultSelector: { 'inputs.$': '$[0].inputs', 'run.$': '$[0].run', 'trigger.$': '$[0].trigger', 'steps.$': mergeSteps(rendered.length) },
    next,
  });
  return { startAt: name, states };
}

interface Tree {
  region: Set<string>;
  parent: Map<string, string>;
}

function treeOf(roots: TreeNode[]): Tree {
  const region = new Set<string>();
  const parent = new Map<string, string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    region.add(node.id);
    for (const child of node.children) {
      parent.set(child.id, node.id);
      stack.push(child);
    }
  }
  return { region, parent };
}

/** The steps of a subtree, depth first. */
function subtree(node: TreeNode): string[] {
  const out: string[] = [];
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n.id);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return out;
}

/**
 * One branch of a `tree` block: a step, then its only child, and so on, then a
 * Parallel of the children of the first step that has several. Each step waits
 * for its needs other than its tree parent (`<id>.needs`) and tells its
 * dependents other than its tree children when it ends. The branch's cascade
 * skips what of its subtree has not run, and tells their dependents.
 */
function emitTreeBranch(ctx: EmitContext, start: TreeNode, tree: Tree, mode: Mode): Fragment {
  const barrierOf = (id: string) => {
    const dependents = (ctx.plan.dependents.get(id) ?? []).filter((d) => tree.region.has(d) && tree.parent.get(d) !== id);
    const waitFor = ctx.step(id).needs.filter((n) => tree.region.has(n) && n !== tree.parent.get(id));
    return { waitFor, dependents: dependents.length > 0 ? dependents : undefined };
  };
  const segment: TreeNode[] = [start];
  while (segment.at(-1)!.children.length === 1) segment.push(segment.at(-1)!.children[0]);
  const fork = segment.at(-1)!.children;
  const states: States = {};
  const ids = subtree(start);
  const cascade = mode === 'fast' ? ctx.claim(cascadeName(ids)) : undefined;
  let next: string | undefined;
  if (fork.length > 1) {
    const forked = emitParallel(ctx, { kind: 'tree', roots: fork }, mode, { ok: undefined, cascade: undefined }, fork.map((child) => () => emitTreeBranch(ctx, child, tree, mode)));
    Object.assign(states, forked.states);
    next = forked.startAt;
  }
  for (let i = segment.length - 1; i >= 0; i--) {
    const fragment = emitStep(ctx, segment[i].id, mode, { ok: next, cascade: mode === 'fast' ? cascade : next }, barrierOf(segment[i].id));
    Object.assign(states, fragment.states);
    next = fragment.startAt;
  }
  if (cascade !== undefined) {
    const signals = ids.flatMap((id) => {
      const { dependents } = barrierOf(id);
      return dependents ? [{ step: id, dependents }] : [];
    });
    if (signals.length === 0) {
      Object.assign(states, emitCascade(ctx, cascade, ids, undefined));
    } else {
      // One control call records the skipped steps and tells the steps waiting on any of them.
      const outputs = Object.fromEntries(ids.flatMap((id) => (ctx.step(id).outputs ? [[id, declaredOutputs(ctx.step(id))!]] : [])));
      states[cascade] = task({
        comment: `${ids.join(', ')}: those that have not run are skipped.`,
        resource: ctx.lambda({ kind: 'control' }),
        parameters: skipEvent(ids, outputs, signals),
        resultPath: '$.steps',
        retry: [transientRetrier()],
        next: undefined,
      });
    }
  }
  return { startAt: next!, states };
}

/**
 * A cascade: every one of `ids` that has no record yet becomes `skipped` (a
 * literal, then a merge that keeps the records that exist).
 */
function emitCascade(ctx: EmitContext, name: string, ids: string[], next: string | undefined): States {
  const merge = ctx.claim(`${ids[0]}+.skipped`);
  return {
    [name]: pass({
      comment: `${ids.join(', ')}: those that have not run are skipped.`,
      result: Object.fromEntries(ids.map((id) => [id, skippedRecord(ctx.step(id))])),
      resultPath: '$.skipped',
      next: merge,
    }),
    [merge]: pass({ parameters: { ...BASE_SELECTOR, 'steps.$': 'States.JsonMerge($.skipped, $.steps, false)' }, next }),
  };
}

/** `<first>+.skip-rest`: the first step it may skip "and on". Not `<id>.…`: it is no one step's helper. */
function cascadeName(ids: string[]): string {
  return `${ids[0]}+.skip-rest`;
}

/** Whether a block holds a step that may run after a failure (its `if` names a status function). */
function hasRescuer(ctx: EmitContext, block: Block): boolean {
  return stepsOf(block).some((id) => ctx.rescuer(id));
}

export function stepsOf(block: Block): string[] {
  switch (block.kind) {
    case 'step':
      return [block.id];
    case 'tree':
      return block.roots.flatMap(subtree);
    default:
      return block.blocks.flatMap(stepsOf);
  }
}

function firstSteps(block: Block): string[] {
  const first = (b: Block): string => (b.kind === 'step' ? b.id : b.kind === 'tree' ? b.roots[0].id : first(b.blocks[0]));
  if (block.kind === 'tree') return block.roots.map((r) => r.id);
  if (block.kind === 'parallel') return block.blocks.map(first);
  return [first(block)];
}

/** `States.JsonMerge` of every branch's `steps`, as a balanced tree so nesting stays shallow. */
function mergeSteps(count: number): string {
  const build = (from: number, to: number): string => {
    if (from === to) return `$[${from}].steps`;
    const mid = (from + to) >> 1;
    return `States.JsonMerge(${build(from, mid)}, ${build(mid + 1, to)}, false)`;
  };
  return build(0, count - 1);
}

/** `lint+test`, shortened to fit Step Functions' 80 characters. */
function parallelName(ids: string[]): string {
  const full = ids.join('+');
  if (full.length <= 72) return full;
  let name = '';
  for (const id of ids) {
    if ((name + id).length > 56) break;
    name += (name ? '+' : '') + id;
  }
  return `${name}+${ids.length - name.split('+').length} more`;
}
