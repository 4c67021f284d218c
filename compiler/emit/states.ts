/**
 * One small renderer per ASL state type, as aws-cdk's aws-stepfunctions renders
 * each state: they know the ASL field names, nothing about workflows.
 */

export type State = Record<string, unknown>;
export type States = Record<string, State>;

/** A piece of a state machine: where it starts and its states. Its last states point at the `next` it was built with. */
export interface Fragment {
  startAt: string;
  states: States;
}

/** `Next: next`, or `End: true` when nothing follows. */
export function renderNext(next: string | undefined): State {
  return next === undefined ? { End: true } : { Next: next };
}

export function comment(text: string | undefined): State {
  return text === undefined ? {} : { Comment: text.trim() };
}

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  ResultPath: string | null;
  Next: string;
}

export interface TaskOptions {
  comment?: string;
  resource: string;
  parameters: Record<string, unknown>;
  resultSelector?: Record<string, unknown>;
  resultPath?: string | null;
  outputPath?: string;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  retry?: Retrier[];
  catch?: Catcher[];
  next: string | undefined;
}

export function task(options: TaskOptions): State {
  return {
    Type: 'Task',
    ...comment(options.comment),
    Resource: options.resource,
    Parameters: options.parameters,
    ...(options.resultSelector ? { ResultSelector: options.resultSelector } : {}),
    // `$` is the default: writing it out adds nothing (and trips the local interpreter).
    ...(options.resultPath !== undefined && options.resultPath !== '$' ? { ResultPath: options.resultPath } : {}),
    ...(options.outputPath ? { OutputPath: options.outputPath } : {}),
    ...(options.timeoutSeconds !== undefined ? { TimeoutSeconds: options.timeoutSeconds } : {}),
    ...(options.heartbeatSeconds !== undefined ? { HeartbeatSeconds: options.heartbeatSeconds } : {}),
    ...(options.retry && options.retry.length > 0 ? { Retry: options.retry } : {}),
    ...(options.catch && options.catch.length > 0 ? { Catch: options.catch } : {}),
    ...renderNext(options.next),
  };
}

export function pass(options: { comment?: string; result?: unknown; parameters?: Record<string, unknown>; resultPath?: string | null; outputPath?: string; next: string | undefined }): State {
  return {
    Type: 'Pass',
    ...comment(options.comment),
    ...(options.result !== undefined ? { Result: options.result } : {}),
    ...(options.parameters ? { Parameters: options.parameters } : {}),
    ...(options.resultPath !== undefined ? { ResultPath: options.resultPath } : {}),
    ...(options.outputPath !== undefined ? { OutputPath: options.outputPath } : {}),
    ...renderNext(options.next),
  };
}

export function choice(options: { comment?: string; choices: Array<Record<string, unknown>>; default: string }): State {
  return { Type: 'Choice', ...comment(options.comment), Choices: options.choices, Default: options.default };
}

export function wait(options: { comment?: string; seconds?: number; timestamp?: string; timestampPath?: string; next: string | undefined }): State {
  return {
    Type: 'Wait',
    ...comment(options.comment),
    ...(options.seconds !== undefined ? { Seconds: options.seconds } : {}),
    ...(options.timestamp !== undefined ? { Timestamp: options.timestamp } : {}),
    ...(options.timestampPath !== undefined ? { TimestampPath: options.timestampPath } : {}),
    ...renderNext(options.next),
  };
}

export function parallel(options: { comment?: string; branches: Fragment[]; resultSelector?: Record<string, unknown>; next: string | undefined }): State {
  return {
    Type: 'Parallel',
    ...comment(options.comment),
    Branches: options.branches.map((b) => ({ StartAt: b.startAt, States: b.states })),
    ...(options.resultSelector ? { ResultSelector: options.resultSelector } : {}),
    ...renderNext(options.next),
  };
}

/** One branch's or one Map iteration's end when nothing else follows it. */
export function endPass(options: { outputPath?: string } = {}): State {
  return pass({ outputPath: options.outputPath, next: undefined });
}

export function map(options: {
  comment?: string;
  itemsPath: string;
  itemSelector: Record<string, unknown>;
  maxConcurrency: number;
  processor: Fragment;
  resultSelector?: Record<string, unknown>;
  resultPath?: string | null;
  catch?: Catcher[];
  next: string | undefined;
}): State {
  return {
    Type: 'Map',
    ...comment(options.comment),
    ItemsPath: options.itemsPath,
    ItemSelector: options.itemSelector,
    MaxConcurrency: options.maxConcurrency,
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: options.processor.startAt, States: options.processor.states },
    ...(options.resultSelector ? { ResultSelector: options.resultSelector } : {}),
    ...(options.resultPath !== undefined ? { ResultPath: options.resultPath } : {}),
    ...(options.catch && options.catch.length > 0 ? { Catch: options.catch } : {}),
    ...renderNext(options.next),
  };
}

export function succeed(): State {
  return { Type: 'Succeed' };
}

/** Whether any state goes to `name`. */
export function refersTo(states: States, name: string): boolean {
  for (const state of Object.values(states)) {
    if (state.Next === name || state.Default === name) return true;
    if ((state.Choices as Array<{ Next: string }> | undefined)?.some((c) => c.Next === name)) return true;
    if ((state.Catch as Array<{ Next: string }> | undefined)?.some((c) => c.Next === name)) return true;
  }
  return false;
}
