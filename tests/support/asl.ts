import validator from 'asl-validator';
import { exampleArns, substitutePlaceholders, type LambdaRole } from '../../compiler/contract/index.ts';

/**
 * asl-validator's verdict on a definition, with its placeholders substituted by
 * ARNs as `cdk deploy` substitutes them (asl-validator checks that Resources are ARNs).
 */
export function validateAsl(definition: unknown, resources?: { lambdas: Record<string, LambdaRole>; workflows: Record<string, string> }): { isValid: boolean; errors: string } {
  const substituted = resources ? substitutePlaceholders(definition, exampleArns(resources)) : structuredClone(definition);
  const result = validator(substituted as never, { checkArn: true, checkPaths: true });
  return { isValid: result.isValid, errors: result.errorsText('\n') };
}

type AslStates = Record<string, Record<string, any>>;

/**
 * Reads the order a state machine imposes on its steps, from its structure alone:
 * for each step, the steps that have certainly finished when its main state starts.
 * Sequences order, Parallel branches do not, a barrier (`<id>.needs`) orders after
 * the needs it names, and a join keeps only what every incoming path guarantees.
 * Placeholders in the definition are fine here; Resources are not looked at.
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
      // A cascade decides every step it lists: they end there, skipped (or with the record they had).
      const decided = state.ResultPath === '$.skipped' && state.Result ? Object.keys(state.Result) : state.Parameters?.kind === 'steps.skip' ? (state.Parameters.skip as string[]) : [];
      for (const step of decided) {
        after.add(step);
        if (!finished.has(step)) finished.set(step, new Set(after));
      }
      if (state.Type === 'Parallel') {
        after = new Set([...before, ...walkBranches(state.Branches, before)]);
      } else if (state.Type === 'Task' && id !== undefined && name === `${id}.needs`) {
        for (const need of state.Parameters.Payload.needs as string[]) {
          after.add(need);
          for (const x of finished.get(need) ?? stepIds) after.add(x);
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

  /**
   * Branches run side by side, but a `<id>.needs` waits for steps of other
   * branches: walk them all again until what each step is known to follow no
   * longer changes (a need not yet walked counts as "everything", so the first
   * rounds only over-promise, and the rounds shrink to the answer).
   */
  const walkBranches = (branches: Array<{ StartAt: string; States: AslStates }>, before: Set<string>): Set<string> => {
    const ids = branches.flatMap((b) => Object.keys(b.States).map(owner).filter((id): id is string => id !== undefined));
    const signature = () => ids.map((id) => `${id}:${[...(finished.get(id) ?? [])].sort().join(',')}`).join(';');
    let all = new Set<string>();
    for (let round = 0, last = ''; round <= branches.length + 1; round++) {
      all = new Set<string>();
      for (const branch of branches) for (const x of walk(branch.StartAt, branch.States, before)) all.add(x);
      const now = signature();
      if (now === last) break;
      last = now;
    }
    return all;
  };

  walk(asl.StartAt, asl.States, new Set());
  return started;
}
