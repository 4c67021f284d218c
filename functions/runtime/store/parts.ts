/**
 * Large values: a step's result or outputs whose JSON does not fit in its
 * checkpoint item (DynamoDB's limit is 400 KB) go to part items, and come back
 * whole or not at all.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ResultMissingError } from '../errors.ts';
import { stepKeyString, type StepKey } from './records.ts';
import { keys, type Table } from './table.ts';

/** Values whose JSON is larger than this go to part items. */
export const INLINE_LIMIT_BYTES = 350 * 1024;

/** Where a value that did not fit in its item went. */
export interface PartsPointer {
  attempt: number;
  count: number;
  bytes: number;
}

export type PartSlot = 'PART' | 'OUTPART';

export class Parts {
  private readonly table: Table;
  readonly limit: number;

  constructor(table: Table, limit = INLINE_LIMIT_BYTES) {
    this.table = table;
    this.limit = limit;
  }

  /** `attempt` names the part items, so two racing invocations never overwrite each other's parts. */
  async write(runId: string, key: StepKey, slot: PartSlot, attempt: number, json: string): Promise<PartsPointer> {
    const bytes = Buffer.from(json, 'utf8');
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; offset += this.limit) chunks.push(bytes.subarray(offset, offset + this.limit));
    await Promise.all(
      chunks.map((chunk, n) =>
        this.table.client.send(
          new PutCommand({
            TableName: this.table.name,
            Item: { pk: keys.run(runId), sk: partSk(key, slot, attempt, n), item_type: 'part', n, data: new Uint8Array(chunk) },
          }),
        ),
      ),
    );
    return { attempt, count: chunks.length, bytes: bytes.length };
  }

  async read(runId: string, key: StepKey, slot: PartSlot, pointer: PartsPointer): Promise<unknown> {
    const items = await this.table.itemsOf(keys.run(runId), `${keys.step(key)}#${slot}#${pointer.attempt}#`);
    items.sort((a, b) => Number(a.n) - Number(b.n));
    const buffer = Buffer.concat(items.map((item) => Buffer.from(item.data as Uint8Array)));
    if (items.length !== pointer.count || buffer.length !== pointer.bytes) {
      throw new ResultMissingError(`step ${stepKeyString(key)} of run ${runId}: found ${items.length} of ${pointer.count} parts (${buffer.length} of ${pointer.bytes} bytes)`);
    }
    return JSON.parse(buffer.toString('utf8'));
  }
}

function partSk(key: StepKey, slot: PartSlot, attempt: number, n: number): string {
  return `${keys.step(key)}#${slot}#${attempt}#${String(n).padStart(4, '0')}`;
}
