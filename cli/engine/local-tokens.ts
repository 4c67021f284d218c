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
  // already guarantees that) and saves the round trip on the critical path.
  async sendSuccess(token: string, output: unknown, options: { wakeFirst?: boolean } = {}): Promise<void> {
    const outcome: TokenOutcome = { status: 'success', output };
    if (options.wakeFirst) this.events.emit(token, outcome);
    await this.inner.sendSuccess(token, output);
    if (!options.wakeFirst) this.events.emit(token, outcome);
  }

  async sendFailure(token: string, error: string, cause: string): Promise<void> {
    await this.inner.sendFailure(token, error, cause);
    this.events.emit(token, { status: 'failure', error, cause } satisfies TokenOutcome);
  }

  /** Resolves with the token's outcome, however and wherever it is released. */
  wait(token: string, signal: AbortSignal): Promise<TokenOutcome> {
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
      void poll();
    });
  }
}
