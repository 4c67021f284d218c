import type { CheckpointStore } from './store/index.ts';
import { stepIdOf, type RunError, type RunStatus, type StepCheckpoint, type StepStatus } from './store/index.ts';

/** The run result (docs/runtime.md, "The run result"): what `baton run --json` prints and `GET /runs/{id}` returns. */
export interface RunResult {
  run_id: string;
  workflow: string;
  status: RunStatus;
  inputs: Record<string, unknown>;
  outputs?: unknown;
  error?: RunError;
  started_at: string;
  ended_at?: string;
  steps: Record<string, StepResult>;
}

export interface StepResult {
  status: StepStatus;
  attempts?: number;
  outputs?: unknown;
  error?: { name: string; message: string };
  started_at?: string;
  ended_at?: string;
  items?: Array<{ status: StepStatus; attempts: number; outputs?: unknown; error?: { name: string; message: string } }>;
}

/**
 * Reads a run and its checkpoints into the run result. `stepIds` (the workflow's
 * steps, in file order) lists steps that have not started yet as `pending`.
 * Outputs that travelled (or are listed) as a `ResultRef` appear as their values.
 */
export async function buildRunResult(store: CheckpointStore, runId: string, stepIds: string[] = []): Promise<RunResult | undefined> {
  const run = await store.runs.get(runId);
  if (!run) return undefined;
  const checkpoints = await store.steps.list(runId);
  const byStep = new Map<string, StepCheckpoint[]>();
  for (const c of latestHandlerRuns(checkpoints)) {
    const list = byStep.get(c.step) ?? [];
    list.push(c);
    byStep.set(c.step, list);
  }
  const steps: Record<string, StepResult> = {};
  for (const id of stepIds) steps[id] = { status: 'pending' };
  for (const [id, list] of byStep) {
    const whole = list.find((c) => c.index === undefined);
    const items = list.filter((c) => c.index !== undefined).sort((a, b) => a.index! - b.index!);
    if (items.length === 0 && whole) {
      steps[id] = compact({
        status: whole.status,
        attempts: whole.attempts || undefined,
        outputs: whole.outputs,
        error: whole.error,
        started_at: whole.started_at,
        ended_at: whole.ended_at,
      });
      continue;
    }
    steps[id] = compact({
      status: whole?.status === 'skipped' ? 'skipped' : aggregate(items.map((i) => i.status)),
      attempts: Math.max(0, ...items.map((i) => i.attempts)),
      outputs: items.every((i) => i.status === 'succeeded') ? items.map((i) => i.outputs) : undefined,
      started_at: items.map((i) => i.started_at).filter(Boolean).sort()[0],
      ended_at: items.every((i) => i.ended_at) ? items.map((i) => i.ended_at!).sort().at(-1) : undefined,
      items: items.map((i) => compact({ status: i.status, attempts: i.attempts, outputs: i.outputs, error: i.error })),
    });
  }
  // Large outputs travel (and are listed) as refs; a run result shows the values.
  for (const step of Object.values(steps)) {
    if (step.outputs !== undefined) step.outputs = await store.steps.resolveRefs(step.outputs);
    for (const item of step.items ?? []) if (item.outputs !== undefined) item.outputs = await store.steps.resolveRefs(item.outputs);
  }
  return compact({
    run_id: run.run_id,
    workflow: run.workflow,
    status: run.status,
    inputs: run.inputs,
    outputs: run.outputs === undefined ? undefined : await store.steps.resolveRefs(run.outputs),
    error: run.error,
    started_at: run.started_at,
    ended_at: run.ended_at,
    steps,
  }) as RunResult;
}

function aggregate(statuses: StepStatus[]): StepStatus {
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('running')) return 'running';
  if (statuses.includes('waiting')) return 'waiting';
  if (statuses.length > 0 && statuses.every((s) => s === 'succeeded')) return 'succeeded';
  return 'running';
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A handler has a checkpoint per execution and caller (`notify@1`, `notify.from-b@2`);
 * the run result shows each handler once, under its step id, as it last ran.
 */
function latestHandlerRuns(checkpoints: StepCheckpoint[]): StepCheckpoint[] {
  const latest = new Map<string, { checkpoint: StepCheckpoint; order: string }>();
  const out: StepCheckpoint[] = [];
  for (const c of checkpoints) {
    const match = /@(\d+)$/.exec(c.step);
    if (!match) {
      out.push(c);
      continue;
    }
    const id = stepIdOf(c.step);
    const order = `${match[1].padStart(6, '0')}|${c.ended_at ?? c.started_at ?? ''}`;
    const seen = latest.get(id);
    if (!seen || seen.order < order) latest.set(id, { checkpoint: { ...c, step: id }, order });
  }
  return [...out, ...[...latest.values()].map((l) => l.checkpoint)];
}
