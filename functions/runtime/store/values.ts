/**
 * Run-scoped values (`RUN#<id>`/`VALUE#<name>`): JSON too large to sit inside
 * another item (a barrier's waiting state, a need's view of the run).
 * Unconditional: each name has one writer, and a rewrite carries the same value.
 */
import { keys, type Table } from './table.ts';

export class ValueStore {
  private readonly table: Table;

  constructor(table: Table) {
    this.table = table;
  }

  async put(runId: string, name: string, value: unknown): Promise<void> {
    await this.table.put({ pk: keys.run(runId), sk: keys.value(name), item_type: 'value', value_json: JSON.stringify(value ?? null) });
  }

  /** The value stored by `put`, or undefined. */
  async get(runId: string, name: string): Promise<unknown> {
    const item = await this.table.get(keys.run(runId), keys.value(name));
    return typeof item?.value_json === 'string' ? JSON.parse(item.value_json) : undefined;
  }
}
