import { DURATION, STEP_KINDS, type AgentDoc, type InputDoc, type RetryDoc, type StepDoc, type StepKind, type WorkflowDoc } from './schema.ts';
import type { OutputsSpec } from './contract/index.ts';

/**
 * The workflow after checking, in the form the planner and the emitter read:
 * lists instead of "one or many", durations in seconds, retry policies with their
 * defaults filled in, each step's action by kind. The emitter reads only this;
 * the rules read the document itself.
 */
export interface Workflow {
  name: string;
  description?: string;
  inputs: Record<string, InputDoc>;
  agents: Record<string, AgentDoc>;
  steps: Map<string, Step>;
  /** Steps that run in the main flow, in file order. */
  regular: string[];
  /** Steps that run only when another step calls them (on_failure, on_timeout, compensate). */
  handlers: string[];
  /** The run's outputs: name → value (templates). */
  outputs: Record<string, unknown>;
  concurrency?: { group: string; cancelInProgress: boolean };
  /** `on`: who may start it. */
  triggers: { api: boolean; schedules: string[]; github: GithubTrigger[] };
}

export type GithubTrigger = NonNullable<NonNullable<WorkflowDoc['on']>['github']>[number];

export interface Step {
  id: string;
  kind: StepKind;
  description?: string;
  needs: string[];
  handler: boolean;
  /** `if`: a template, or a constant. */
  condition?: string | boolean;
  forEach?: { items: unknown; maxParallel: number; batchSize?: number };
  timeoutSeconds?: number;
  retry?: RetryPolicy;
  onFailure?: string;
  onTimeout?: string;
  compensate?: string;
  continueOnError: boolean;
  outputs?: OutputsSpec;
  action: Action;
}

/** What a step does, by kind. */
export type Action =
  | { kind: 'function'; file: string; export: string; with: Record<string, unknown> }
  | { kind: 'http'; method: string; url: string; headers?: Record<string, string>; body?: unknown; expect?: Array<number | [number, number]> }
  | { kind: 'agent'; agent: string; prompt: string; format?: 'text' | 'json'; outputSchema?: Record<string, unknown> }
  | { kind: 'approval'; message: string; timeoutSeconds: number }
  | { kind: 'workflow'; workflow: string; with: Record<string, unknown> }
  | { kind: 'wait'; seconds?: number; until?: string }
  | { kind: 'run'; command: string };

export interface RetryPolicy {
  maxAttempts: number;
  intervalSeconds: number;
  backoff: number;
  maxDelaySeconds?: number;
  jitter: 'full' | 'none';
  on?: string[];
}

/** An approval nobody decides fails after this long, unless `approval.timeout` says otherwise. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 7 * 86400;
/** At most this many `for_each` elements at once, unless `max_parallel` says otherwise. */
export const DEFAULT_MAX_PARALLEL = 10;

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

export type HandlerKey = 'on_failure' | 'on_timeout' | 'compensate';

/** The step ids a step calls as handlers. */
export function handlerRefs(doc: StepDoc): Array<{ key: HandlerKey; target: string }> {
  const refs: Array<{ key: HandlerKey; target: string }> = [];
  for (const key of ['on_failure', 'on_timeout', 'compensate'] as const) {
    const target = doc[key];
    if (target !== undefined) refs.push({ key, target });
  }
  return refs;
}

/** The same, from the model. */
export function stepHandlers(step: Step): Array<{ key: HandlerKey; target: string }> {
  const refs: Array<{ key: HandlerKey; target: string }> = [];
  if (step.onFailure !== undefined) refs.push({ key: 'on_failure', target: step.onFailure });
  if (step.onTimeout !== undefined) refs.push({ key: 'on_timeout', target: step.onTimeout });
  if (step.compensate !== undefined) refs.push({ key: 'compensate', target: step.compensate });
  return refs;
}

/** The field names a step declares in `outputs`, or undefined when it declares none. */
export function declaredOutputs(step: Step): string[] | undefined {
  if (step.outputs === undefined) return undefined;
  return Array.isArray(step.outputs) ? step.outputs : Object.keys(step.outputs);
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
    const timeoutSeconds = parseDuration(stepDoc.timeout) ?? defaultsTimeout;
    steps.set(id, {
      id,
      kind: stepKind(stepDoc)[0] ?? 'function',
      description: stepDoc.description,
      needs: needsOf(stepDoc),
      handler,
      condition: stepDoc.if,
      forEach:
        stepDoc.for_each === undefined
          ? undefined
          : { items: stepDoc.for_each, maxParallel: stepDoc.max_parallel ?? DEFAULT_MAX_PARALLEL, batchSize: stepDoc.batch_size },
      timeoutSeconds,
      retry: normalizeRetry(stepDoc.retry) ?? defaultsRetry,
      onFailure: stepDoc.on_failure,
      onTimeout: stepDoc.on_timeout,
      compensate: stepDoc.compensate,
      continueOnError: stepDoc.continue_on_error === true,
      outputs: stepDoc.outputs,
      action: actionOf(id, stepDoc, timeoutSeconds),
    });
    (handler ? handlers : regular).push(id);
  }
  return {
    name: doc.name,
    description: doc.description,
    inputs: doc.inputs ?? {},
    agents: { echo: { provider: 'echo' }, ...(doc.agents ?? {}) },
    steps,
    regular,
    handlers,
    outputs: doc.outputs ?? {},
    concurrency: doc.concurrency ? { group: doc.concurrency.group, cancelInProgress: doc.concurrency.cancel_in_progress === true } : undefined,
    triggers: { api: doc.on?.api ?? true, schedules: doc.on?.schedule ?? [], github: doc.on?.github ?? [] },
  };
}

function actionOf(id: string, doc: StepDoc, timeoutSeconds: number | undefined): Action {
  const kind = stepKind(doc)[0] ?? 'function';
  switch (kind) {
    case 'function': {
      const [file, exported] = (doc.function ?? '').split('#');
      return { kind, file, export: exported || 'handler', with: doc.with ?? {} };
    }
    case 'http': {
      const http = doc.http!;
      return {
        kind,
        method: http.method ?? 'GET',
        url: http.url,
        headers: http.headers,
        body: http.body,
        expect: http.expect?.map((e) => (typeof e === 'number' ? e : (e.split('-').map(Number) as [number, number]))),
      };
    }
    case 'agent':
      return { kind, agent: doc.agent!, prompt: doc.prompt ?? '', format: doc.format, outputSchema: doc.output_schema };
    case 'approval':
      return {
        kind,
        message: doc.approval?.message ?? `Approve ${id}?`,
        timeoutSeconds: parseDuration(doc.approval?.timeout) ?? timeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
      };
    case 'workflow':
      return { kind, workflow: doc.workflow!, with: doc.with ?? {} };
    case 'wait': {
      const wait = doc.wait;
      if (typeof wait === 'object' && wait !== null) return { kind, until: wait.until };
      return { kind, seconds: parseDuration(wait as string | number) ?? 1 };
    }
    case 'run':
      return { kind, command: doc.run ?? '' };
  }
}
