/**
 * The records the checkpoint store reads and writes.
 *
 * These are the store's public shapes (what `baton status`, the API and the local
 * engine see), not the raw DynamoDB items: user values are kept as JSON text in the
 * table and parsed back by the store, so nothing outside store/ deals with the encoding.
 */

import type { OutputsSpec, StepKey } from '../../../compiler/contract/index.ts';

export type { StepKey };
export { parseStepKey, stepIdOf, stepKeyString } from '../../../compiler/contract/index.ts';

/** `interrupted`: the process running it stopped (Ctrl-C, a crash) before the end; `baton resume` continues it. */
export type RunStatus = 'pending' | 'running' | 'paused' | 'interrupted' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out';

/** Statuses after which a run does not move again on its own: its items get a TTL. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];

export type RunControl = 'pause' | 'cancel';

/** Why a run failed, in the shape of the run result (docs/runtime.md). */
export interface RunError {
  step?: string;
  name: string;
  cause: string;
}

export interface RunRecord {
  run_id: string;
  workflow: string;
  status: RunStatus;
  inputs: Record<string, unknown>;
  trigger?: unknown;
  execution_arn?: string;
  /** +1 on every `runs.update`; the optimistic lock. */
  version: number;
  started_at: string;
  ended_at?: string;
  outputs?: unknown;
  error?: RunError;
  /** A pending request, read by every step at its boundary. */
  control?: RunControl;
  /** The process executing the run, locally: it renews `heartbeat_at` while it lives. */
  owner?: RunOwner;
  /** Epoch seconds after which DynamoDB's TTL may delete the run (set once it has finished). */
  expires_at?: number;
}

/** Who holds a local run: `baton run`/`resume` in some process, renewing its lease. */
export interface RunOwner {
  id: string;
  pid: number;
  host: string;
  heartbeat_at: string;
}

export interface NewRun {
  run_id: string;
  workflow: string;
  inputs: Record<string, unknown>;
  trigger?: unknown;
  execution_arn?: string;
  /** Default `running`. */
  status?: RunStatus;
  /** Default: the store's clock. */
  started_at?: string;
}

/** `null` removes the attribute (a resumed run loses its old error and end time). */
export interface RunPatch {
  status?: RunStatus;
  outputs?: unknown;
  error?: RunError | null;
  ended_at?: string | null;
  execution_arn?: string;
}

export type StepStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped';

/** A step's error as stored: the name ASL matched on, and a redacted message. */
export interface StepError {
  name: string;
  message: string;
}

export interface StepCheckpoint {
  run_id: string;
  step: string;
  index?: number;
  status: StepStatus;
  attempts: number;
  started_at?: string;
  ended_at?: string;
  /**
   * The declared outputs, or a `ResultRef` when they were too large to keep in the
   * checkpoint item itself (`getOutputs`/`resolveRefs` read them back).
   */
  outputs?: unknown;
  /** Size in bytes of the full result's JSON; the result itself comes from `steps.getResult`. */
  result_bytes?: number;
  error?: StepError;
  /** The run failed after this step succeeded and its compensation was started: a resume runs it again. */
  compensated?: boolean;
  /** A step kind's progress between calls (the agentapi provider's submitted prompt). */
  state?: Record<string, unknown>;
}

export type ApprovalDecision = 'approve' | 'reject';

export interface ApprovalRecord {
  run_id: string;
  step: string;
  token: string;
  message: string;
  requested_at: string;
  timeout_at?: string;
  /** The step's declared outputs, so whoever decides can write the checkpoint the same way. */
  outputs_spec?: OutputsSpec;
  decision?: ApprovalDecision;
  comment?: string;
  decided_by?: string;
  decided_at?: string;
}

/** What the local task-token broker records when a token is released. */
export type TokenOutcome =
  | { status: 'success'; output: unknown }
  | { status: 'failure'; error: string; cause: string };

/** What a barrier counter holds: the waiter (once it has registered) and the needs that have ended, with their views. */
export interface BarrierState {
  waiter?: { token: string; needs: string[]; state: unknown };
  ended: string[];
  views: Record<string, unknown>;
}

/** A run in a concurrency group (store/groups.ts): the holder, or the one queued behind it. */
export interface GroupSlot {
  run_id: string;
  workflow: string;
}

/** The queued run also says which execution of it to start (a retried run queues too). */
export interface QueuedSlot extends GroupSlot {
  attempt: number;
}

export interface GroupRecord {
  key: string;
  holder?: GroupSlot;
  pending?: QueuedSlot;
  since?: string;
}
