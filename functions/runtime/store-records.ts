/**
 * The records the checkpoint store reads and writes, and how their keys are spelled.
 *
 * These are the store's public shapes (what `baton status`, the API and the local
 * engine see), not the raw DynamoDB items: user values are kept as JSON text in the
 * table and parsed back here, so nothing outside store.ts deals with the encoding.
 */

import type { OutputsSpec } from './contract.ts';

export type RunStatus = 'pending' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out';

/** Statuses after which a run does not move again on its own: its items get a TTL. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];

export type RunControl = 'pause' | 'cancel';

/** Why a run failed, in the shape of DSL.md's run result. */
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
  /** +1 on every `updateRun`; the optimistic lock. */
  version: number;
  started_at: string;
  ended_at?: string;
  outputs?: unknown;
  error?: RunError;
  /** A pending request, read by every step at its boundary. */
  control?: RunControl;
  /** Epoch seconds after which DynamoDB's TTL may delete the run (set once it has finished). */
  expires_at?: number;
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

/** Which checkpoint: a step, or one element of a `for_each` step. */
export interface StepKey {
  step: string;
  index?: number;
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
  /** Size in bytes of the full result's JSON; the result itself comes from `getResult`. */
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

/** A generic counter item (`RUN#<id>`/`BARRIER#<name>`) for dependency barriers. */
export interface CounterKey {
  runId: string;
  name: string;
}

export interface CounterState {
  remaining: number;
  token?: string;
  /** What the waiter registered with its token. */
  waiter?: unknown;
}

/** `STEP#<step>` or `STEP#<step>#<index>` without the prefix: the checkpoint's name in refs and parts. */
export function stepKeyString(key: StepKey): string {
  return key.index === undefined ? key.step : `${key.step}#${key.index}`;
}

/** The inverse of `stepKeyString`. Step ids never contain `#` (DSL.md), so the split is unambiguous. */
export function parseStepKey(text: string): StepKey {
  const hash = text.indexOf('#');
  if (hash < 0) return { step: text };
  return { step: text.slice(0, hash), index: Number(text.slice(hash + 1)) };
}

/**
 * The step id a checkpoint belongs to: a handler's checkpoint is
 * `<id>[.from-<caller>]@<run attempt>` (one per execution and caller).
 */
export function stepIdOf(checkpoint: string): string {
  return checkpoint.replace(/@\d+$/, '').replace(/\.from-.*$/, '');
}
