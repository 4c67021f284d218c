export type AslState = Record<string, unknown>;

/**
 * The longest timer Node.js keeps (2^31-1 ms, about 24.8 days). The interpreter
 * gives a Task without TimeoutSeconds a 60 s limit, where Step Functions gives it
 * none; a longer TimeoutSeconds overflows Node's timer and fires at once.
 */
const LOCAL_MAX_TIMEOUT_SECONDS = 2_147_483;

/**
 * The definition as the local interpreter should run it, with the same meaning as
 * on AWS: every Task gets an explicit TimeoutSeconds (none on AWS means "no
 * limit", which the interpreter would read as 60 s), capped at what Node can time.
 * Nothing else changes.
 */
export function prepareForLocal(asl: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(asl);
  for (const [, state] of walkStates(copy)) {
    if (state.Type !== 'Task') continue;
    const seconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : LOCAL_MAX_TIMEOUT_SECONDS;
    state.TimeoutSeconds = Math.min(seconds, LOCAL_MAX_TIMEOUT_SECONDS);
  }
  return copy;
}

/** Every state, by name, in every branch and map processor. */
export function* walkStates(machine: Record<string, unknown>): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(machine.States as Record<string, AslState>)) {
    yield [name, state];
    for (const branch of (state.Branches as Array<Record<string, unknown>> | undefined) ?? []) yield* walkStates(branch);
    if (state.ItemProcessor) yield* walkStates(state.ItemProcessor as Record<string, unknown>);
  }
}
