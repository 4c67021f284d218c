/**
 * A run has an owner: the process executing it holds a lease in the store (an
 * owner id and a heartbeat it renews). A second process may not run the same run
 * while the lease is fresh; a lease whose holder died (kill -9, a closed laptop)
 * stops being renewed and may be taken over.
 */
import { hostname } from 'node:os';
import type { CheckpointStore, RunOwner } from '../../functions/runtime/store/index.ts';

export class Lease {
  private readonly store: CheckpointStore;
  private readonly runId: string;
  private readonly owner: Omit<RunOwner, 'heartbeat_at'>;
  private readonly renewMs: number;
  private readonly staleAfterMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(store: CheckpointStore, runId: string, owner: Omit<RunOwner, 'heartbeat_at'>, options: { renewMs: number; staleAfterMs: number }) {
    this.store = store;
    this.runId = runId;
    this.owner = owner;
    this.renewMs = options.renewMs;
    this.staleAfterMs = options.staleAfterMs;
  }

  /** Takes the lease, or throws RunOwnedError naming the live holder. */
  async take(): Promise<void> {
    const current = (await this.store.runs.get(this.runId))?.owner;
    // A holder on this machine whose process is gone gives the lease up at once.
    const dead = current && current.id !== this.owner.id && isGone(current) ? current.id : undefined;
    await this.store.runs.claim(this.runId, this.owner, this.staleAfterMs, dead);
    this.timer = setInterval(() => void this.store.runs.heartbeat(this.runId, this.owner.id).catch(() => undefined), this.renewMs);
    this.timer.unref();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.store.runs.release(this.runId, this.owner.id).catch(() => undefined);
  }
}

/** Whether a lease holder is a process of this machine that no longer runs. */
export function isGone(owner: RunOwner, host = hostname()): boolean {
  if (owner.host !== host) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether a run said to be running has lost the process that ran it. */
export function isInterrupted(run: { status: string; owner?: RunOwner }, staleAfterMs: number, now = Date.now()): boolean {
  // Only runs of this machine's engine have an owner; a run on AWS is never "interrupted".
  if (run.status !== 'running' || !run.owner) return false;
  return isGone(run.owner) || now - Date.parse(run.owner.heartbeat_at) > staleAfterMs;
}
