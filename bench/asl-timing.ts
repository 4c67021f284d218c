/**
 * Walks a compiled state machine's success path with a duration per step, the way
 * Step Functions would run it when every step succeeds: sequences add up, Parallel
 * branches overlap, a barrier (`<id>.needs`) waits for the needs it names. Returns
 * when each step ends, the makespan, and how many state transitions the run makes.
 * Hops between states cost nothing here; bench:engine measures them for real.
 */
type States = Record<string, Record<string, any>>;

export interface Timing {
  makespan: number;
  transitions: number;
  ends: Map<string, number>;
}

export function simulate(asl: { StartAt: string; States: States }, durations: Map<string, number>): Timing {
  const ends = new Map<string, number>();
  let transitions = 0;
  const owner = (name: string) => {
    const id = name.split('.')[0];
    return durations.has(id) ? id : undefined;
  };

  const run = (startAt: string, states: States, start: number): number => {
    let t = start;
    let name: string | undefined = startAt;
    while (name !== undefined) {
      const state: Record<string, any> = states[name];
      transitions++;
      const id = owner(name);
      if (state.Type === 'Parallel') {
        t = branches(state.Branches, t);
      } else if (state.Type === 'Task' && id !== undefined && name === id) {
        t += durations.get(id)!;
        ends.set(id, t);
      } else if (state.Type === 'Task' && id !== undefined && name === `${id}.needs`) {
        for (const need of state.Parameters.Payload.needs as string[]) t = Math.max(t, ends.get(need)!);
      }
      if (state.Type === 'Choice') name = name === 'run.check' ? state.Default : state.Choices[0].Next;
      else name = state.End ? undefined : state.Next;
    }
    return t;
  };

  const branches = (list: Array<{ StartAt: string; States: States }>, start: number): number => {
    let end = start;
    const pending = [...list];
    while (pending.length > 0) {
      const index = pending.findIndex((b) => {
        const id = owner(b.StartAt);
        return !(id && b.StartAt === `${id}.needs`) || (b.States[b.StartAt].Parameters.Payload.needs as string[]).every((n) => ends.has(n));
      });
      const [branch] = pending.splice(index, 1);
      end = Math.max(end, run(branch.StartAt, branch.States, start));
    }
    return end;
  };

  const makespan = run(asl.StartAt, asl.States, 0);
  return { makespan, transitions, ends };
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
