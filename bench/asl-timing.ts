/**
 * Walks a compiled state machine's success path with a duration per step, the
 * way Step Functions would run it when every step succeeds: sequences add up,
 * Parallel branches overlap, a barrier (`<id>.needs`) waits for the needs it
 * names (on other branches). Returns when each step ends, the makespan, and what
 * the run costs: state transitions, Lambda invocations and history events.
 * Hops between states cost nothing here; bench:engine measures them for real.
 */
type State = Record<string, any>;
type States = Record<string, State>;

export interface Timing {
  makespan: number;
  transitions: number;
  lambdaCalls: number;
  historyEvents: number;
  ends: Map<string, number>;
}

/**
 * History events per state, as Step Functions writes them: entered and exited
 * for every state; a Lambda Task adds scheduled, started, succeeded; a callback
 * or child-execution Task adds scheduled, started, submitted, succeeded; a
 * Parallel adds started and succeeded. The execution adds started and succeeded.
 */
function eventsOf(state: State): number {
  if (state.Type === 'Task') return String(state.Resource).startsWith('${') ? 5 : 6;
  if (state.Type === 'Parallel') return 4;
  return 2;
}

export function simulate(asl: { StartAt: string; States: States }, durations: Map<string, number>): Timing {
  const ends = new Map<string, number>();
  const owner = (name: string) => {
    const id = name.split('.')[0];
    return durations.has(id) ? id : undefined;
  };
  // On the success path every step's condition holds (a Choice's first rule), except
  // `run.check`'s, which asks whether a step failed: there the Default goes on.
  const next = (state: State, name: string): string | undefined => {
    if (state.Type === 'Choice') return name === 'run.check' ? state.Default : state.Choices[0].Next;
    return state.End ? undefined : state.Next;
  };

  // What a run costs does not depend on timing: walk the success path once.
  const totals = { transitions: 0, lambdaCalls: 0, historyEvents: 2 };
  const count = (startAt: string, states: States) => {
    const seen = new Set<string>();
    for (let name: string | undefined = startAt; name !== undefined; name = next(states[name], name)) {
      if (seen.has(name)) throw new Error(`the success path comes back to ${name}: a loop`);
      seen.add(name);
      const state = states[name];
      totals.transitions++;
      totals.historyEvents += eventsOf(state);
      if (state.Type === 'Task' && (String(state.Resource).startsWith('${') || String(state.Resource).includes(':lambda:invoke'))) totals.lambdaCalls++;
      for (const branch of state.Branches ?? []) count(branch.StartAt, branch.States);
    }
  };
  count(asl.StartAt, asl.States);

  // When each step ends: a branch stops at a barrier whose needs have not ended
  // yet (they are on another branch) and is walked again, from its start, in the
  // next round; each round ends more steps, since barriers wait on no cycle.
  const walk = (startAt: string, states: States, start: number): number | undefined => {
    let t = start;
    for (let name: string | undefined = startAt; name !== undefined; name = next(states[name], name)) {
      const state = states[name];
      const id = owner(name);
      if (state.Type === 'Parallel') {
        const end = branches(state.Branches, t);
        if (end === undefined) return undefined;
        t = end;
      } else if (state.Type === 'Task' && id !== undefined && name === id) {
        t += durations.get(id)!;
        ends.set(id, t);
      } else if (state.Type === 'Task' && id !== undefined && name === `${id}.needs`) {
        const needs = state.Parameters.Payload.needs as string[];
        if (!needs.every((n) => ends.has(n))) return undefined;
        t = Math.max(t, ...needs.map((n) => ends.get(n)!));
      }
    }
    return t;
  };
  const branches = (list: Array<{ StartAt: string; States: States }>, start: number): number | undefined => {
    for (;;) {
      const known = ends.size;
      const results = list.map((b) => walk(b.StartAt, b.States, start));
      if (results.every((r) => r !== undefined)) return Math.max(start, ...(results as number[]));
      if (ends.size === known) return undefined; // waits on a branch outside this Parallel
    }
  };
  const makespan = walk(asl.StartAt, asl.States, 0);
  if (makespan === undefined) throw new Error('a barrier waits for a step that never ends on the success path');
  return { makespan, ends, ...totals };
}

/** The longest path through the DAG by duration: no schedule can beat it. */
export function criticalPath(ids: string[], needs: string[][], durations: Map<string, number>): number {
  const finish = new Map<string, number>();
  ids.forEach((id, i) => finish.set(id, Math.max(0, ...needs[i].map((n) => finish.get(n)!)) + durations.get(id)!));
  return Math.max(...finish.values());
}

/**
 * What a one-Parallel-per-dependency-level plan takes: each level starts when the
 * slowest step of the level before has finished. Transitions: per level a Parallel
 * and its branches' Task states, plus a start and an end state.
 */
export function levelPlan(ids: string[], needs: string[][], durations: Map<string, number>): { makespan: number; transitions: number } {
  const level = new Map<string, number>();
  ids.forEach((id, i) => level.set(id, Math.max(-1, ...needs[i].map((n) => level.get(n)!)) + 1));
  const slowest: number[] = [];
  for (const id of ids) slowest[level.get(id)!] = Math.max(slowest[level.get(id)!] ?? 0, durations.get(id)!);
  return { makespan: slowest.reduce((a, b) => a + b, 0), transitions: ids.length + slowest.length + 2 };
}

/** Step Functions' limit on one execution's history. */
export const MAX_HISTORY_EVENTS = 25_000;
