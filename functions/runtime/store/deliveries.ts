/**
 * Webhook deliveries (`DELIVERY#<id>`/`DELIVERY`): which GitHub deliveries have
 * been handled, so a redelivery (GitHub keeps the `X-GitHub-Delivery` id) or a
 * duplicate request starts nothing twice.
 *
 * A delivery is `claimed` while one request handles it and `done` once it has
 * answered. A claim that is older than `staleAfterSeconds` belongs to a request
 * that died half way (a Lambda timeout, a crash): a redelivery takes it over and
 * finishes the work, which is safe because every run it starts has a run id
 * derived from the delivery, and starting a run id twice answers the first run.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, keys, parseJson, type Item, type Table } from './table.ts';
import { UpdateBuilder } from './update-expression.ts';

const DELIVERY = 'DELIVERY';
const DAY_SECONDS = 24 * 60 * 60;

/** GitHub redelivers for 3 days; a week of memory covers that and a manual replay. */
export const DELIVERY_RETENTION_DAYS = 7;

export type DeliveryState = 'claimed' | 'done';

export interface DeliveryRecord {
  delivery_id: string;
  event: string;
  state: DeliveryState;
  claimed_at: string;
  completed_at?: string;
  /** The runs it started. */
  runs: string[];
  /** The answer the delivery got, given again to a duplicate. */
  answer?: unknown;
}

/** What a claim found: the delivery is ours to handle, or someone handles or handled it. */
export type Claim =
  | { outcome: 'claimed'; claim: string; takenOver: boolean }
  | { outcome: 'done'; record: DeliveryRecord }
  | { outcome: 'busy'; record: DeliveryRecord };

export class DeliveryStore {
  private readonly table: Table;

  constructor(table: Table) {
    this.table = table;
  }

  /**
   * Takes a delivery for this request: one conditional write. Another request's
   * claim younger than `staleAfterSeconds` makes it `busy`; a finished delivery is
   * `done` with its answer.
   */
  async claim(deliveryId: string, event: string, staleAfterSeconds: number): Promise<Claim> {
    const now = this.table.now();
    const claim = randomUUID();
    const b = new UpdateBuilder()
      .set('item_type', 'delivery')
      .set('delivery_id', deliveryId)
      .set('event', event)
      .set('state', 'claimed')
      .set('claim_id', claim)
      .set('claimed_at', now.toISOString())
      .set('expires_at', this.table.epochSeconds() + DELIVERY_RETENTION_DAYS * DAY_SECONDS);
    const state = b.name('state');
    const cutoff = new Date(now.getTime() - staleAfterSeconds * 1000).toISOString();
    // Closes: the same delivery arriving twice at once (a redelivery racing the
    // original, a proxy's retry): exactly one request handles it. A claim whose
    // request stopped answering is taken over, so a half-done delivery can finish.
    const condition = `attribute_not_exists(${b.name('pk')}) OR (${state} = ${b.value('claimed')} AND ${b.name('claimed_at')} < ${b.value(cutoff)})`;
    const before = await this.table.updateWhereReturningOld(keys.delivery(deliveryId), DELIVERY, b, condition);
    if (before.written) return { outcome: 'claimed', claim, takenOver: before.old !== undefined };
    const record = await this.get(deliveryId);
    // Gone between the failed write and the read: its claim was released; the sender may try again.
    if (!record) return this.claim(deliveryId, event, staleAfterSeconds);
    return record.state === 'done' ? { outcome: 'done', record } : { outcome: 'busy', record };
  }

  /** Marks the delivery handled, with the runs it started and its answer; false if the claim was taken over meanwhile. */
  async complete(deliveryId: string, claim: string, result: { runs: string[]; answer: unknown }): Promise<boolean> {
    const b = new UpdateBuilder()
      .set('state', 'done')
      .set('completed_at', this.table.timestamp())
      .set('runs', result.runs)
      .set('answer_json', JSON.stringify(result.answer ?? null));
    // Closes: a slow request finishing after another took its claim over: the one
    // that holds the claim records the outcome.
    return (await this.table.updateWhere(keys.delivery(deliveryId), DELIVERY, b, `${b.name('claim_id')} = ${b.value(claim)}`)) !== undefined;
  }

  /** Gives a claim up after a failure, so a redelivery can try again at once rather than after the claim goes stale. */
  async release(deliveryId: string, claim: string): Promise<void> {
    try {
      await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: { pk: keys.delivery(deliveryId), sk: DELIVERY },
          // Closes: releasing a claim another request has since taken over.
          ConditionExpression: '#claim = :claim AND #state = :claimed',
          ExpressionAttributeNames: { '#claim': 'claim_id', '#state': 'state' },
          ExpressionAttributeValues: { ':claim': claim, ':claimed': 'claimed' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async get(deliveryId: string): Promise<DeliveryRecord | undefined> {
    const item = await this.table.get(keys.delivery(deliveryId), DELIVERY);
    return item ? toDelivery(item) : undefined;
  }
}

function toDelivery(item: Item): DeliveryRecord {
  return {
    delivery_id: String(item.delivery_id),
    event: String(item.event),
    state: item.state as DeliveryState,
    claimed_at: String(item.claimed_at),
    ...(item.completed_at === undefined ? {} : { completed_at: String(item.completed_at) }),
    runs: Array.isArray(item.runs) ? item.runs.map(String) : [],
    ...(typeof item.answer_json === 'string' ? { answer: parseJson(item.answer_json) } : {}),
  };
}
