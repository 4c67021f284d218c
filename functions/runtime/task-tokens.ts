/**
 * Releasing a waiting task (`.waitForTaskToken`): an approval's decision, a barrier.
 *
 * On AWS the token belongs to Step Functions (SendTaskSuccess/SendTaskFailure). The
 * local interpreter does not implement callback tasks, so the local engine waits on
 * the store instead, and `StoreTaskTokens` writes the outcome there, where the engine
 * sees it even when the decision comes from another process (`baton approve`).
 */

import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { TaskTokenClosedError } from './errors.ts';
import type { CheckpointStore } from './store/index.ts';

export interface TaskTokens {
  /**
   * Completes the waiting task with `output` as its result. `wakeFirst`: the
   * caller guarantees a single release, so a local broker may wake the waiter
   * before it records the outcome.
   */
  sendSuccess(token: string, output: unknown, options?: { wakeFirst?: boolean }): Promise<void>;
  /** Fails the waiting task with `error` as the name ASL's Retry/Catch see. */
  sendFailure(token: string, error: string, cause: string): Promise<void>;
}

/** Step Functions' limits on SendTaskFailure. */
const MAX_ERROR_CHARS = 256;
const MAX_CAUSE_CHARS = 32_768;

/** Tokens that Step Functions no longer waits on: the task completed, timed out, or never existed. */
const CLOSED_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export class SfnTaskTokens implements TaskTokens {
  private readonly client: SFNClient;

  constructor(client: SFNClient = new SFNClient({})) {
    this.client = client;
  }

  async sendSuccess(token: string, output: unknown): Promise<void> {
    await this.send(() => this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output ?? null) })));
  }

  async sendFailure(token: string, error: string, cause: string): Promise<void> {
    await this.send(() =>
      this.client.send(
        new SendTaskFailureCommand({
          taskToken: token,
          error: error.slice(0, MAX_ERROR_CHARS),
          cause: cause.slice(0, MAX_CAUSE_CHARS),
        }),
      ),
    );
  }

  private async send(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (CLOSED_TOKEN_ERRORS.has(name)) {
        throw new TaskTokenClosedError(`the task is no longer waiting (${name})`, { cause: error });
      }
      throw error;
    }
  }
}

/** The local broker: the outcome goes to the store, once per token. */
export class StoreTaskTokens implements TaskTokens {
  private readonly store: CheckpointStore;

  constructor(store: CheckpointStore) {
    this.store = store;
  }

  async sendSuccess(token: string, output: unknown): Promise<void> {
    await this.store.tokens.complete(token, { status: 'success', output });
  }

  async sendFailure(token: string, error: string, cause: string): Promise<void> {
    await this.store.tokens.complete(token, { status: 'failure', error, cause });
  }
}
