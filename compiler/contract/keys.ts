/**
 * How the compiled state machine and the runtime name the things they share:
 * checkpoints, handler instances, child runs and barrier counters. The emitter
 * writes some of these names into ASL (as literals or `States.Format` templates);
 * the runtime parses them back. Both use these functions, so a name is spelled once.
 */

/** Which checkpoint: a step, or one element of a `for_each` step. */
export interface StepKey {
  step: string;
  index?: number;
}

const INDEX_SEPARATOR = '#';
const CALLER_SEPARATOR = '.from-';
const ATTEMPT_SEPARATOR = '@';
const CHILD_SEPARATOR = '.';

/** `<step>` or `<step>#<index>`: a checkpoint's name in refs, parts and approvals. */
export function stepKeyString(key: StepKey): string {
  return key.index === undefined ? key.step : `${key.step}${INDEX_SEPARATOR}${key.index}`;
}

/** The inverse of `stepKeyString`. Step ids never contain `#`, so the split is unambiguous. */
export function parseStepKey(text: string): StepKey {
  const at = text.indexOf(INDEX_SEPARATOR);
  if (at < 0) return { step: text };
  return { step: text.slice(0, at), index: Number(text.slice(at + 1)) };
}

/**
 * A handler (`on_failure`, `on_timeout`, `compensate`) runs as one instance per
 * caller when several steps share it (`notify.from-deploy`), else under its own id.
 */
export function handlerInstance(handler: string, caller: string, shared: boolean): string {
  return shared ? `${handler}${CALLER_SEPARATOR}${caller}` : handler;
}

/** A handler reacts to one failure: each execution of the run (a resume) gets its own checkpoint. */
export function handlerCheckpoint(instance: string, runAttempt: number): string {
  return `${instance}${ATTEMPT_SEPARATOR}${runAttempt}`;
}

/** `handlerCheckpoint` as the state machine computes it. Instance names are step ids and `.from-`: no quoting needed. */
export function handlerCheckpointIntrinsic(instance: string): string {
  return `States.Format('${instance}${ATTEMPT_SEPARATOR}{}', $.run.attempt)`;
}

/** The step id a checkpoint belongs to: `notify.from-deploy@2` → `notify`. */
export function stepIdOf(checkpoint: string): string {
  const at = checkpoint.lastIndexOf(ATTEMPT_SEPARATOR);
  const bare = at >= 0 && /^\d+$/.test(checkpoint.slice(at + 1)) ? checkpoint.slice(0, at) : checkpoint;
  const from = bare.indexOf(CALLER_SEPARATOR);
  return from >= 0 ? bare.slice(0, from) : bare;
}

/** The run attempt a handler checkpoint belongs to, or undefined for a step's own checkpoint. */
export function handlerAttemptOf(checkpoint: string): number | undefined {
  const match = /@(\d+)$/.exec(checkpoint);
  return match ? Number(match[1]) : undefined;
}

/**
 * A `workflow:` step runs a child run with id `<parent>.<step>[.<index>]`. Step
 * ids hold no dots, so the parent and its step can be read back from the id.
 */
export function childRunId(parent: string, step: string, index?: number): string {
  return index === undefined ? `${parent}${CHILD_SEPARATOR}${step}` : `${parent}${CHILD_SEPARATOR}${step}${CHILD_SEPARATOR}${index}`;
}

/** `childRunId` as the state machine computes it (inside a `for_each`, `$.index` is the element). */
export function childRunIdIntrinsic(step: string, forEach: boolean): string {
  return forEach ? `States.Format('{}${CHILD_SEPARATOR}${step}${CHILD_SEPARATOR}{}', $.run.id, $.index)` : `States.Format('{}${CHILD_SEPARATOR}${step}', $.run.id)`;
}

/** The parent run and step of a child run id, given the parent's id. */
export function parentStepOf(runId: string, parent: string): StepKey | undefined {
  if (!runId.startsWith(`${parent}${CHILD_SEPARATOR}`)) return undefined;
  const [step, index, extra] = runId.slice(parent.length + 1).split(CHILD_SEPARATOR);
  if (!step || extra !== undefined || (index !== undefined && !/^\d+$/.test(index))) return undefined;
  return index === undefined ? { step } : { step, index: Number(index) };
}

/** The barrier counter of a step in one execution of a run: a resumed run counts afresh. */
export function barrierCounter(runAttempt: number, step: string): string {
  return `${runAttempt}${INDEX_SEPARATOR}${step}`;
}
