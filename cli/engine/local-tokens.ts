import { EventEmitter } from 'node:events';
import type { CheckpointStore, TokenOutcome } from '../../functions/runtime/store/index.ts';
import { StoreTaskTokens, type TaskTokens } from '../../functions/runtime/task-tokens.ts';

/**
 * Callback tasks (`.waitForTaskToken`) for the local engine, which the interpreter
 * does not implement: the outcome goes to the store (so `baton approve` in another
 * process can release a task), and an in-process event wakes the waiter at once
 * when the release comes from this process (a dependency barrier).
 */
export class LocalTaskTokens implements TaskTokens {
  private readonly store: CheckpointStore;
  private readonly inner: StoreTaskTokens;
  private readonly events = new EventEmitter();
  private readonly pollMs: number;

  constructor(store: CheckpointStore, pollMs = 250) {
    this.store = store;
    this.inner = new StoreTaskTokens(store);
    this.pollMs = pollMs;
    this.events.setMaxListeners(0);
  }

  // The store write closes the token once and for all (a second release fails).
  // A waiter in this process is woken only after it, unless the caller knows it
  // releases at most once (`wakeFirst`: the dependency barrier, whose counter
  // already guarantees that). Such a release, with its waiter listening here,
  // needs no store write at all: a barrier's waiter is always in the process that
  // runs the execution, and a resumed run starts fresh counters and tokens.
  async sendSuccess(token: string, output: unknown, options: { wakeFirst?: boolean } = {}): Promise<void> {
    const outcome: TokenOutcome = { status: 'success', output };
    if (options.wakeFirst && this.events.listenerCount(token) > 0) {
      this.events.emit(token, outcome);
      return;
    }
    await this.inner.sendSuccess(token, output);
    this.events.emit(token, outcome);
  }

  async sendFailure(token: string, error: string, cause: string): Promise<void> {
    await this.inner.sendFailure(token, error, cause);
    this.events.emit(token, { status: 'failure', error, cause } satisfies TokenOutcome);
  }

  /**
   * Resolves with the token's outcome, however and wherever it is released. The
   * caller listens before it hands the token out, so a release in this process
   * always finds the listener; the store is read only for releases from other
   * processes (`baton approve`), every `pollMs`, unless `elsewhere` is false: a
   * dependency barrier's needs all run in this process, so its release does too,
   * and polling for it would only add store requests to every hop of the run.
   */
  wait(token: string, signal: AbortSignal, { elsewhere = true }: { elsewhere?: boolean } = {}): Promise<TokenOutcome> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: TokenOutcome) => {
        clearTimeout(timer);
        this.events.off(token, finish);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.events.off(token, finish);
        reject(signal.reason ?? new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      this.events.on(token, finish);
      signal.addEventListener('abort', onAbort, { once: true });
      const poll = async () => {
        try {
          const outcome = await this.store.tokens.outcome(token);
          if (outcome) return finish(outcome);
        } catch {
          // the store may be briefly unreachable; look again
        }
        if (!signal.aborted) timer = setTimeout(poll, this.pollMs);
      };
      if (elsewhere) timer = setTimeout(poll, this.pollMs);
    });
  }
}
