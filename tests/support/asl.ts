import validator from 'asl-validator';

/** asl-validator's verdict on a definition (it annotates what it checks, so it gets a copy). */
export function validateAsl(definition: unknown): { isValid: boolean; errors: string } {
  const result = validator(structuredClone(definition) as never, { checkArn: true, checkPaths: true });
  return { isValid: result.isValid, errors: result.errorsText('\n') };
}

type AslStates = Record<string, Record<string, any>>;

/**
 * Reads the order a state machine imposes on its steps, from its structure alone:
 * for each step, the steps that have certainly finished when its main state starts.
 * Sequences order, Parallel branches do not, a barrier (`<id>.needs`) orders after
 * the needs it names, and a join keeps only what every incoming path guarantees.
 */
export function stepOrder(asl: { StartAt: string; States: AslStates }, stepIds: Set<string>): Map<string, Set<string>> {
  const started = new Map<string, Set<string>>();
  const finished = new Map<string, Set<string>>();
  const owner = (name: string) => {
    const id = name.split('.')[0];
    return stepIds.has(id) ? id : undefined;
  };

  const walk = (startAt: string, states: AslStates, initial: Set<string>): Set<string> => {
    const successors = (state: Record<string, any>): string[] => [
      ...(state.Next ? [state.Next] : []),
      ...(state.Default ? [state.Default] : []),
      ...((state.Choices ?? []) as Array<{ Next: string }>).map((c) => c.Next),
      ...((state.Catch ?? []) as Array<{ Next: string }>).map((c) => c.Next),
    ];
    // Reverse DFS postorder: a topological order that ignores loop back edges.
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const next of successors(states[name])) visit(next);
      order.push(name);
    };
    visit(startAt);
    order.reverse();

    const incoming = new Map<string, Set<string>>([[startAt, new Set(initial)]]);
    let atEnd: Set<string> | undefined;
    const join = (target: Set<string> | undefined, add: Set<string>) => (target ? new Set([...target].filter((x) => add.has(x))) : new Set(add));
    for (const name of order) {
      const state = states[name];
      const before = incoming.get(name) ?? new Set<string>();
      const id = owner(name);
      if (id !== undefined && name === id) started.set(id, new Set(before));
      let after = new Set(before);
      if (state.Type === 'Parallel') {
        after = new Set([...before, ...walkBranches(state.Branches, before)]);
      } else if (state.Type === 'Task' && id !== undefined && name === `${id}.needs`) {
        for (const need of state.Parameters.Payload.needs as string[]) {
          after.add(need);
          for (const x of finished.get(need) ?? []) after.add(x);
        }
      }
      const exits = successors(state);
      const leave = (target: string | undefined) => {
        const out = new Set(after);
        if (id !== undefined && (target === undefined || owner(target) !== id)) {
          out.add(id);
          finished.set(id, new Set(out));
        }
        return out;
      };
      for (const next of exits) incoming.set(next, join(incoming.get(next), leave(next)));
      if (state.End || state.Type === 'Succeed' || state.Type === 'Fail' || exits.length === 0) atEnd = join(atEnd, leave(undefined));
    }
    return atEnd ?? new Set(initial);
  };

  /** Branches of a barrier wait for each other; walk each once its needs have finished. */
  const walkBranches = (branches: Array<{ StartAt: string; States: AslStates }>, before: Set<string>): Set<string> => {
    const all = new Set<string>();
    const pending = [...branches];
    while (pending.length > 0) {
      const index = pending.findIndex((b) => {
        const first = b.States[b.StartAt];
        const id = owner(b.StartAt);
        if (!(id !== undefined && b.StartAt === `${id}.needs`)) return true;
        return (first.Parameters.Payload.needs as string[]).every((n) => finished.has(n));
      });
      if (index < 0) throw new Error('barrier branches wait on each other in a cycle');
      const [branch] = pending.splice(index, 1);
      for (const x of walk(branch.StartAt, branch.States, before)) all.add(x);
    }
    return all;
  };

  walk(asl.StartAt, asl.States, new Set());
  return started;
}
