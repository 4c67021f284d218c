import type { CompileResult } from '../../compiler/index.ts';
import type { RunStatus } from '../../functions/runtime/store/index.ts';

export type StepView = {
  step: string;
  status: 'running' | 'retrying' | 'waiting' | 'succeeded' | 'failed' | 'skipped';
  attempt: number;
  startedAt: number;
  endedAt?: number;
  items?: { started: number; done: number };
  error?: string;
};

export type ProgressEvent =
  | { type: 'run'; runId: string; status: 'started'; attempt: number }
  | { type: 'run'; runId: string; status: RunStatus }
  | { type: 'step'; runId: string; view: StepView };

interface LogEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input?: any; output?: any };
  parentState?: { name: string };
}

/**
 * Turns the interpreter's event log into step-level progress: which step is
 * running, on which attempt, for how long, how many items of a for_each are done.
 * It only watches; the run's truth is the store.
 */
export class ProgressTracker {
  private readonly steps: Set<string>;
  private readonly kinds = new Map<string, string>();
  private readonly views = new Map<string, StepView>();
  private readonly runId: string;
  private readonly emit: (event: ProgressEvent) => void;

  constructor(compiled: CompileResult, runId: string, emit: ((event: ProgressEvent) => void) | undefined) {
    this.steps = new Set(compiled.workflow?.steps.keys() ?? []);
    for (const step of compiled.workflow?.steps.values() ?? []) this.kinds.set(step.id, step.kind);
    this.runId = runId;
    this.emit = emit ?? (() => {});
  }

  runStarted(attempt: number) {
    this.emit({ type: 'run', runId: this.runId, status: 'started', attempt });
  }

  runEnded(status: RunStatus) {
    this.emit({ type: 'run', runId: this.runId, status });
  }

  async consume(events: AsyncIterable<unknown>): Promise<void> {
    try {
      for await (const event of events) this.on(event as LogEvent);
    } catch {
      // the log ends with the execution, however it ends
    }
  }

  private on(event: LogEvent) {
    if (event.type === 'MapIterationStarted' || event.type === 'MapIterationSucceeded') {
      const view = event.parentState && this.views.get(event.parentState.name);
      if (!view) return;
      view.items ??= { started: 0, done: 0 };
      if (event.type === 'MapIterationStarted') view.items.started++;
      else view.items.done++;
      this.changed(view);
      return;
    }
    if (!event.state) return;
    // However a step is skipped (its own `.skip`, a cascade, a barrier), its record says so as a state ends.
    if (event.type === 'StateExited') this.skipped(event.state.output?.steps, event.timestamp);
    const [owner, role] = this.split(event.state.name);
    if (!owner) return;
    const at = event.timestamp;
    switch (event.type) {
      case 'StateEntered':
        if (role === 'main') this.set(owner, this.kinds.get(owner) === 'approval' ? 'waiting' : 'running', at);
        else if (role === 'failed' || role === 'timed-out') {
          const error = event.state.input?.steps?.[owner];
          this.set(owner, 'failed', at, true, error ? `${error.Error}${error.Cause ? `: ${shortCause(error.Cause)}` : ''}` : undefined);
        } else if (role === 'ok') this.set(owner, 'succeeded', at, true);
        break;
      case 'StateRetried':
        if (role === 'main' || role === 'item') {
          const view = this.views.get(owner);
          if (view) {
            view.attempt++;
            view.status = 'retrying';
            this.changed(view);
          }
        }
        break;
      case 'StateExited':
        if (role === 'main' && event.state.type !== 'Wait') {
          // A caught error also exits the state, with { Error, Cause } where the status would be.
          const status = event.state.output?.steps?.[owner]?.status;
          if (status === 'succeeded') this.set(owner, 'succeeded', at, true);
        } else if (role === 'poll' || role === 'check') {
          const status = event.state.output?.steps?.[owner]?.status;
          if (status === 'succeeded') this.set(owner, 'succeeded', at, true);
        }
        break;
    }
  }

  private skipped(steps: Record<string, { status?: string }> | undefined, at: number) {
    if (!steps || typeof steps !== 'object') return;
    for (const [id, record] of Object.entries(steps)) {
      if (record?.status === 'skipped' && this.steps.has(id) && this.views.get(id)?.status !== 'skipped') this.set(id, 'skipped', at, true);
    }
  }

  private split(name: string): [string | undefined, string] {
    const dot = name.indexOf('.');
    const owner = dot < 0 ? name : name.slice(0, dot);
    if (!this.steps.has(owner)) return [undefined, ''];
    const role = dot < 0 ? 'main' : name.slice(dot + 1);
    return [owner, role.startsWith('from-') ? 'main' : role];
  }

  private set(step: string, status: StepView['status'], at: number, end = false, error?: string) {
    const view = this.views.get(step) ?? { step, status, attempt: 1, startedAt: at };
    if (view.status === status && !end && this.views.has(step)) return;
    view.status = status;
    if (end) view.endedAt = at;
    if (error) view.error = error;
    this.views.set(step, view);
    this.changed(view);
  }

  private changed(view: StepView) {
    this.emit({ type: 'step', runId: this.runId, view: { ...view, items: view.items && { ...view.items } } });
  }
}

function shortCause(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
  } catch {
    // plain text
  }
  return cause.length > 160 ? cause.slice(0, 157) + '...' : cause;
}
