import { DURATION, STEP_KINDS, type AgentDoc, type InputDoc, type RetryDoc, type StepDoc, type StepKind, type WorkflowDoc } from './schema.ts';

/**
 * The workflow after checking: the document's data in the form the planner and
 * the emitter want (lists instead of "one or many", durations in seconds,
 * retry policies with their defaults filled in).
 */
export interface Workflow {
  name: string;
  description?: string;
  doc: WorkflowDoc;
  inputs: Record<string, InputDoc>;
  agents: Record<string, AgentDoc>;
  steps: Map<string, Step>;
  /** Steps that run in the main flow, in file order. */
  regular: string[];
  /** Steps that run only when another step calls them (on_failure, on_timeout, compensate). */
  handlers: string[];
}

export interface Step {
  id: string;
  doc: StepDoc;
  kind: StepKind;
  needs: string[];
  handler: boolean;
  timeoutSeconds?: number;
  retry?: RetryPolicy;
}

export interface RetryPolicy {
  maxAttempts: number;
  intervalSeconds: number;
  backoff: number;
  maxDelaySeconds?: number;
  jitter: 'full' | 'none';
  on?: string[];
}

/** Seconds in a duration, or undefined when it is not one (`500ms`, `soon`). */
export function parseDuration(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  return seconds > 0 ? seconds : undefined;
}

/** `retry: 3` and the long form, with Temporal-like defaults: 1s, doubling, full jitter. */
export function normalizeRetry(retry: RetryDoc | undefined): RetryPolicy | undefined {
  if (retry === undefined) return undefined;
  if (typeof retry === 'number') return { maxAttempts: retry, intervalSeconds: 1, backoff: 2, jitter: 'full' };
  return {
    maxAttempts: retry.max_attempts ?? 3,
    intervalSeconds: parseDuration(retry.interval) ?? 1,
    backoff: retry.backoff ?? 2,
    maxDelaySeconds: parseDuration(retry.max_interval),
    jitter: retry.jitter ?? 'full',
    on: retry.on,
  };
}

export function stepKind(doc: StepDoc): StepKind[] {
  return STEP_KINDS.filter((kind) => doc[kind] !== undefined);
}

export function needsOf(doc: StepDoc): string[] {
  if (doc.needs === undefined) return [];
  return typeof doc.needs === 'string' ? [doc.needs] : doc.needs;
}

/** The step ids a step calls as handlers. */
export function handlerRefs(doc: StepDoc): Array<{ key: 'on_failure' | 'on_timeout' | 'compensate'; target: string }> {
  const refs: Array<{ key: 'on_failure' | 'on_timeout' | 'compensate'; target: string }> = [];
  for (const key of ['on_failure', 'on_timeout', 'compensate'] as const) {
    const target = doc[key];
    if (target !== undefined) refs.push({ key, target });
  }
  return refs;
}

/** Builds the model from a schema-valid document. References are checked by the rules, not here. */
export function buildModel(doc: WorkflowDoc): Workflow {
  const called = new Set<string>();
  const needed = new Set<string>();
  for (const step of Object.values(doc.steps)) {
    for (const ref of handlerRefs(step)) called.add(ref.target);
    for (const need of needsOf(step)) needed.add(need);
  }
  const defaultsTimeout = parseDuration(doc.defaults?.timeout);
  const defaultsRetry = normalizeRetry(doc.defaults?.retry);
  const steps = new Map<string, Step>();
  const regular: string[] = [];
  const handlers: string[] = [];
  for (const [id, stepDoc] of Object.entries(doc.steps)) {
    const handler = called.has(id) && !needed.has(id) && needsOf(stepDoc).length === 0;
    steps.set(id, {
      id,
      doc: stepDoc,
      kind: stepKind(stepDoc)[0] ?? 'function',
      needs: needsOf(stepDoc),
      handler,
      timeoutSeconds: parseDuration(stepDoc.timeout) ?? defaultsTimeout,
      retry: normalizeRetry(stepDoc.retry) ?? defaultsRetry,
    });
    (handler ? handlers : regular).push(id);
  }
  return {
    name: doc.name,
    description: doc.description,
    doc,
    inputs: doc.inputs ?? {},
    agents: { echo: { provider: 'echo' }, ...(doc.agents ?? {}) },
    steps,
    regular,
    handlers,
  };
}
