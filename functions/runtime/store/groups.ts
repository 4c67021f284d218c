/**
 * Concurrency groups (`GROUP#<key>`/`GROUP`): which run holds a workflow's
 * `concurrency.group`, and the one run queued behind it. As in GitHub Actions,
 * a group has at most one running and one pending run; a newer pending run
 * replaces (and so cancels) the older one. Group keys are global: two
 * workflows that render the same key share the group.
 *
 * Every write is one conditional request; none is a read followed by a write.
 * A caller reads only to decide what to ask next, and the condition of what it
 * asks says whether the world still is as it read it.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GroupRecord, GroupSlot, QueuedSlot } from './records.ts';
import { dropUndefined, isConditionFailure, type Item, type Table } from './table.ts';
import { UpdateBuilder } from './update-expression.ts';

const GROUP = 'GROUP';

export const groupPk = (key: string) => `GROUP#${key}`;

export type AcquireResult = { acquired: true } | { acquired: false; holder?: GroupSlot };

export class GroupStore {
  private readonly table: Table;

  constructor(table: Table) {
    this.table = table;
  }

  async get(key: string): Promise<GroupRecord | undefined> {
    const item = await this.table.get(groupPk(key), GROUP);
    return item ? toGroup(item) : undefined;
  }

  /**
   * Takes the group for `slot.run_id` if nobody holds it (or it already does:
   * a repeated start of the same run). Otherwise answers who holds it.
   */
  async acquire(key: string, slot: GroupSlot): Promise<AcquireResult> {
    const b = this.identity(key).set('holder', slot).set('since', this.table.timestamp());
    const holder = b.name('holder');
    // Closes: two runs of one group starting at once: exactly one of them holds it;
    // the same run asking twice (a retried request) keeps it.
    const condition = `attribute_not_exists(${holder}) OR ${holder}.${b.name('run_id')} = ${b.value(slot.run_id)}`;
    if (await this.table.updateWhere(groupPk(key), GROUP, b, condition)) return { acquired: true };
    return { acquired: false, holder: (await this.get(key))?.holder };
  }

  /**
   * Makes `slot` the holder and answers the run it displaced, if any. With
   * `expected`, only if that run still holds the group (a stale holder: its run
   * ended without releasing it); without, whoever holds it (`cancel_in_progress`).
   * Returns `false` when `expected` no longer holds it.
   */
  async replace(key: string, slot: GroupSlot, expected?: string): Promise<GroupSlot | undefined | false> {
    const b = this.identity(key).set('holder', slot).set('since', this.table.timestamp());
    // Closes, without `expected`: two newer runs taking over at once: the swap is
    // atomic, so each displaced holder is answered to exactly one taker, who stops it.
    // With `expected`: a stale holder healed by two starters at once: one wins.
    const condition = expected === undefined ? undefined : `${b.name('holder')}.${b.name('run_id')} = ${b.value(expected)}`;
    try {
      const result = await this.table.client.send(new UpdateCommand({ TableName: this.table.name, Key: { pk: groupPk(key), sk: GROUP }, ...b.build(condition), ReturnValues: 'ALL_OLD' }));
      return (result.Attributes?.holder as GroupSlot | undefined) ?? undefined;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Queues `slot` behind the run holding the group, replacing the run queued
   * before it (answered as `replaced`, for the caller to cancel). Not queued when
   * nobody holds the group any more: the caller should acquire it instead.
   */
  async enqueue(key: string, slot: QueuedSlot): Promise<{ queued: false } | { queued: true; replaced?: QueuedSlot }> {
    const b = this.identity(key).set('pending', slot);
    const holder = b.name('holder');
    // Closes: the holder releasing the group while this run queues: either the
    // release sees this run pending and starts it, or this write sees no holder
    // and the run takes the group itself. Never a run queued behind nobody.
    const condition = `attribute_exists(${holder}) AND ${holder}.${b.name('run_id')} <> ${b.value(slot.run_id)}`;
    try {
      const result = await this.table.client.send(new UpdateCommand({ TableName: this.table.name, Key: { pk: groupPk(key), sk: GROUP }, ...b.build(condition), ReturnValues: 'ALL_OLD' }));
      const replaced = result.Attributes?.pending as QueuedSlot | undefined;
      return { queued: true, ...(replaced && replaced.run_id !== slot.run_id ? { replaced } : {}) };
    } catch (error) {
      if (isConditionFailure(error)) return { queued: false };
      throw error;
    }
  }

  /**
   * The run `runId` gives the group up. The queued run, if any, becomes the
   * holder in the same write and is answered as `next`, for the caller to start.
   * Nothing happens (and `released` is false) when `runId` does not hold it.
   */
  async release(key: string, runId: string): Promise<{ released: boolean; next?: QueuedSlot }> {
    for (let i = 0; i < 5; i++) {
      const promote = this.identity(key).set('since', this.table.timestamp());
      const h = promote.name('holder');
      const p = promote.name('pending');
      promote.setExpression(`${h} = ${p}`).remove('pending');
      // Closes: a run queueing while the holder releases (see enqueue), and two
      // releases of one end (a duplicate event): only the holder's own release
      // moves the group on, once.
      const promoted = await this.table.updateWhere(groupPk(key), GROUP, promote, `${h}.${promote.name('run_id')} = ${promote.value(runId)} AND attribute_exists(${p})`);
      if (promoted) return { released: true, next: promoted.holder as QueuedSlot };

      const free = new UpdateBuilder();
      const fh = free.name('holder');
      try {
        // Closes the same races: the group is deleted only if this run holds it and
        // nobody queued behind it since the write above was refused.
        await this.table.client.send(
          new DeleteCommand({
            TableName: this.table.name,
            Key: { pk: groupPk(key), sk: GROUP },
            ...withoutUpdate(free.build(`${fh}.${free.name('run_id')} = ${free.value(runId)} AND attribute_not_exists(${free.name('pending')})`)),
          }),
        );
        return { released: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const current = await this.get(key);
      if (current?.holder?.run_id !== runId) return { released: false };
      // A run queued between the two writes: promote it.
    }
    throw new Error(`concurrency group ${key}: could not release it for run ${runId}`);
  }

  /** Takes a queued run out of the queue (it was cancelled); false if it was not the queued one. */
  async dequeue(key: string, runId: string): Promise<boolean> {
    const b = new UpdateBuilder().remove('pending');
    // Closes: a cancel racing with the release that starts this very run: if the
    // release won, the run is no longer queued and the cancel has to stop it instead.
    return (await this.table.updateWhere(groupPk(key), GROUP, b, `${b.name('pending')}.${b.name('run_id')} = ${b.value(runId)}`)) !== undefined;
  }

  private identity(key: string): UpdateBuilder {
    return new UpdateBuilder().set('item_type', 'group').set('group', key);
  }
}

function withoutUpdate<T extends { UpdateExpression?: string }>(params: T): Omit<T, 'UpdateExpression'> {
  const { UpdateExpression: _, ...rest } = params;
  return rest;
}

function toGroup(item: Item): GroupRecord {
  return dropUndefined({
    key: String(item.group),
    holder: item.holder as GroupSlot | undefined,
    pending: item.pending as QueuedSlot | undefined,
    since: item.since as string | undefined,
  });
}
