/**
 * Local task tokens (`TOKEN#<token>`/`TOKEN`): the outcome of a callback task for
 * the local engine, which waits on it (perhaps in another process), since the
 * local interpreter does not implement `.waitForTaskToken`.
 */
import { TaskTokenClosedError } from '../errors.ts';
import type { TokenOutcome } from './records.ts';
import { keys, type Table } from './table.ts';

const DAY_SECONDS = 24 * 60 * 60;

export class TokenStore {
  private readonly table: Table;

  constructor(table: Table) {
    this.table = table;
  }

  /** Records a token's outcome. A token completes once: `TaskTokenClosedError` after that. */
  async complete(token: string, outcome: TokenOutcome): Promise<void> {
    const retention = this.table.retentionDays;
    const item = {
      pk: keys.token(token),
      sk: 'TOKEN',
      item_type: 'token',
      status: outcome.status,
      completed_at: this.table.timestamp(),
      ...(retention === null ? {} : { expires_at: this.table.epochSeconds() + retention * DAY_SECONDS }),
      ...(outcome.status === 'success' ? { output_json: JSON.stringify(outcome.output ?? null) } : { error: outcome.error, cause: outcome.cause }),
    };
    // Closes: a token released twice (a decision racing a re-invoked approval):
    // like Step Functions, the waiting task sees exactly one outcome.
    await this.table.putNew(item, () => new TaskTokenClosedError('the task token was already completed'));
  }

  async outcome(token: string): Promise<TokenOutcome | undefined> {
    const item = await this.table.get(keys.token(token), 'TOKEN');
    if (!item) return undefined;
    if (item.status === 'success') return { status: 'success', output: JSON.parse(String(item.output_json)) };
    return { status: 'failure', error: String(item.error), cause: String(item.cause ?? '') };
  }
}
