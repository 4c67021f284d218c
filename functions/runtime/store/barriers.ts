/**
 * Barrier counters (`RUN#<id>`/`BARRIER#<attempt>#<step>`): a step behind a
 * dependency barrier waits on a task token until every need it waits for has
 * ended (docs/compiler.md, "Exact dependencies"). The waiter and each need write
 * the same item, each with one atomic UpdateItem that answers the item as it is
 * after the write, so exactly one of those writes sees "registered and complete"
 * and releases the waiter: never both, never neither.
 *
 * Each need leaves its view of the run (its `steps`) in the item, so the released
 * step sees what its needs saw. A view or waiting state too large to share an
 * item (400 KB) is stored beside it as a run-scoped value.
 */
import type { BarrierState } from './records.ts';
import { keys, parseJson, type Item, type Table } from './table.ts';
import { UpdateBuilder } from './update-expression.ts';
import type { ValueStore } from './values.ts';

/** Larger JSON than this goes to its own value item. */
const INLINE_BYTES = 48 * 1024;
const VALUE_POINTER = 'baton:value';

export class BarrierStore {
  private readonly table: Table;
  private readonly values: ValueStore;

  constructor(table: Table, values: ValueStore) {
    this.table = table;
    this.values = values;
  }

  /** Registers the waiter of barrier `name`; answers the barrier after the write. */
  async register(runId: string, name: string, waiter: { token: string; needs: string[]; state: unknown }): Promise<BarrierState> {
    const b = new UpdateBuilder().set('item_type', 'barrier').set('waiter_json', await this.inline(runId, `${name}#waiter`, waiter));
    return this.read(runId, (await this.table.updateWhere(keys.run(runId), keys.barrier(name), b, undefined))!);
  }

  /**
   * Counts `need` as ended, with its view of the run. Answers the barrier after the
   * write, or undefined when `need` had already been counted (a repeated signal).
   */
  async signal(runId: string, name: string, need: string, view: unknown): Promise<BarrierState | undefined> {
    const b = new UpdateBuilder()
      .set('item_type', 'barrier')
      .set(`view:${need}`, await this.inline(runId, `${name}#view#${need}`, view))
      .addToSet('ended', need);
    const ended = b.name('ended');
    // Closes: a need told twice (a retried Lambda, a cascade after the step signalled
    // itself): it counts once, so the waiter is released once.
    const condition = `attribute_not_exists(${ended}) OR NOT contains(${ended}, ${b.value(need)})`;
    const item = await this.table.updateWhere(keys.run(runId), keys.barrier(name), b, condition);
    return item ? this.read(runId, item) : undefined;
  }

  private async inline(runId: string, name: string, value: unknown): Promise<string> {
    const json = JSON.stringify(value ?? null);
    if (Buffer.byteLength(json, 'utf8') <= INLINE_BYTES) return json;
    await this.values.put(runId, name, value);
    return JSON.stringify({ [VALUE_POINTER]: name });
  }

  private async outline(runId: string, json: unknown): Promise<unknown> {
    const value = parseJson(json);
    if (typeof value === 'object' && value !== null && VALUE_POINTER in value) return this.values.get(runId, String((value as Record<string, unknown>)[VALUE_POINTER]));
    return value;
  }

  private async read(runId: string, item: Item): Promise<BarrierState> {
    const ended = item.ended instanceof Set ? [...(item.ended as Set<string>)] : [];
    const views: Record<string, unknown> = {};
    await Promise.all(ended.map(async (need) => (views[need] = await this.outline(runId, item[`view:${need}`]))));
    const waiter = item.waiter_json === undefined ? undefined : ((await this.outline(runId, item.waiter_json)) as BarrierState['waiter']);
    return { ...(waiter ? { waiter } : {}), ended, views };
  }
}
