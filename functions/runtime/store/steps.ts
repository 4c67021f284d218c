/**
 * Step checkpoints (`RUN#<id>`/`STEP#<step>[#<index>]`): a step's status,
 * attempts, error, progress, and its full result and declared outputs. A step
 * whose checkpoint says `succeeded` returns its stored outputs instead of running
 * again: that is what makes resume, retry-from-failure and duplicate Lambda
 * invocations safe.
 */
import { isResultRef, makeResultRef } from '../result-ref.ts';
import { ResultMissingError, StepAlreadySucceededError } from '../errors.ts';
import { parseStepKey, stepKeyString, type StepCheckpoint, type StepError, type StepKey } from './records.ts';
import { Parts, type PartsPointer } from './parts.ts';
import { dropUndefined, keys, parseJson, type Item, type Table } from './table.ts';
import { UpdateBuilder } from './update-expression.ts';

export class StepStore {
  private readonly table: Table;
  private readonly parts: Parts;

  constructor(table: Table, parts: Parts) {
    this.table = table;
    this.parts = parts;
  }

  async get(runId: string, key: StepKey): Promise<StepCheckpoint | undefined> {
    const item = await this.table.get(keys.run(runId), keys.step(key));
    return item ? toStep(runId, item) : undefined;
  }

  /**
   * Starts an attempt: atomically counts it, marks the step `running` and clears the
   * previous attempt's error and progress. Returns the attempt number (1 for the first).
   * Refuses a step that has already succeeded (`StepAlreadySucceededError`).
   */
  async begin(runId: string, key: StepKey): Promise<number> {
    const now = this.table.timestamp();
    const b = identity(runId, key)
      .set('status', 'running')
      .setIfMissing('started_at', now)
      .set('attempt_started_at', now)
      .remove('ended_at', 'error', 'state', 'compensated')
      .add('attempts', 1);
    // Closes: a duplicate invocation (a Lambda retry, a resumed execution) starting
    // a step that another invocation has just finished: a succeeded checkpoint is
    // never reopened, and the caller returns its stored outputs instead; unless a
    // compensation undid it, when a resumed run must do it again.
    const condition = `${notSucceeded(b)} OR ${b.name('compensated')} = ${b.value(true)}`;
    const attributes = await this.table.updateWhere(keys.run(runId), keys.step(key), b, condition, () => new StepAlreadySucceededError(runId, stepKeyString(key)));
    return Number(attributes!.attempts);
  }

  /**
   * Undoes `begin` for an attempt that never ran (the run was paused or cancelled at
   * its boundary): the step is pending again and the attempt is not counted.
   */
  async giveBack(runId: string, key: StepKey, attempt: number): Promise<boolean> {
    const b = new UpdateBuilder().set('status', 'pending').add('attempts', -1).remove('attempt_started_at');
    // Closes: giving back an attempt that a duplicate invocation has since moved on.
    const condition = `${b.name('status')} = ${b.value('running')} AND ${b.name('attempts')} = ${b.value(attempt)}`;
    return (await this.table.updateWhere(keys.run(runId), keys.step(key), b, condition)) !== undefined;
  }

  /**
   * Records a success: the full result (in parts when large) and the declared outputs
   * (`outputs` omitted: the outputs are the result itself, stored once).
   */
  async succeed(runId: string, key: StepKey, success: { result: unknown; outputs?: unknown; attempt: number }): Promise<void> {
    const b = identity(runId, key).set('status', 'succeeded').set('ended_at', this.table.timestamp()).setIfMissing('attempts', 0).remove('error', 'state');
    const resultJson = JSON.stringify(success.result ?? null);
    const resultBytes = Buffer.byteLength(resultJson, 'utf8');
    let budget = this.parts.limit;
    b.set('result_bytes', resultBytes);
    if (resultBytes <= budget) {
      b.set('result_json', resultJson).remove('result_parts');
      budget -= resultBytes;
    } else {
      b.set('result_parts', await this.parts.write(runId, key, 'PART', success.attempt, resultJson)).remove('result_json');
    }
    if (success.outputs === undefined) {
      b.set('outputs_same', true).remove('outputs_json', 'outputs_parts');
    } else {
      const outputsJson = JSON.stringify(success.outputs);
      b.remove('outputs_same');
      if (Buffer.byteLength(outputsJson, 'utf8') <= budget) b.set('outputs_json', outputsJson).remove('outputs_parts');
      else b.set('outputs_parts', await this.parts.write(runId, key, 'OUTPART', success.attempt, outputsJson)).remove('outputs_json');
    }
    // Closes: two invocations of one step finishing together: the first result
    // stands, and the later caller returns it instead of its own.
    await this.table.updateWhere(keys.run(runId), keys.step(key), b, notSucceeded(b), () => new StepAlreadySucceededError(runId, stepKeyString(key)));
  }

  /**
   * Records a failure. Returns false (and writes nothing) if the step had already
   * succeeded, or, given `attempt`, if a newer attempt has started since.
   */
  async fail(runId: string, key: StepKey, error: StepError, attempt?: number): Promise<boolean> {
    const b = identity(runId, key)
      .set('status', 'failed')
      .set('error', { name: error.name, message: error.message })
      .set('ended_at', this.table.timestamp())
      .setIfMissing('attempts', 0)
      .remove('state');
    // Closes: a late failure of a duplicate invocation downgrading a step that succeeded,
    // and (with `attempt`) an abandoned attempt marking a newer running one failed.
    const condition = attempt === undefined ? notSucceeded(b) : `(${notSucceeded(b)}) AND ${b.name('attempts')} = ${b.value(attempt)}`;
    return (await this.table.updateWhere(keys.run(runId), keys.step(key), b, condition)) !== undefined;
  }

  /**
   * Marks a succeeded step as undone by its compensation: it keeps its outputs for
   * the record, but a resumed run runs it again (begin reopens it).
   */
  async markCompensated(runId: string, key: StepKey): Promise<boolean> {
    const b = new UpdateBuilder().set('compensated', true);
    return (await this.table.updateWhere(keys.run(runId), keys.step(key), b, `${b.name('status')} = ${b.value('succeeded')}`)) !== undefined;
  }

  /**
   * Sets `skipped`, `pending` or `waiting`. Returns false when the checkpoint was not
   * in a state that allows it: nothing overrides `succeeded`, and `waiting` only
   * follows the `running` attempt that asked for it.
   */
  async setStatus(runId: string, key: StepKey, status: 'skipped' | 'pending' | 'waiting'): Promise<boolean> {
    const b = identity(runId, key).set('status', status).setIfMissing('attempts', 0);
    const condition =
      status === 'waiting'
        ? // Closes: an approval decided between storing its token and this write: the
          // decision's succeeded/failed checkpoint must not turn back into `waiting`.
          `${b.name('status')} = ${b.value('running')}`
        : notSucceeded(b);
    return (await this.table.updateWhere(keys.run(runId), keys.step(key), b, condition)) !== undefined;
  }

  /**
   * Ends a step that is still `running` or `waiting` with `status` (the run ended
   * around it: a timeout Step Functions saw, a cancel). False if it had ended already.
   */
  async settle(runId: string, key: StepKey, status: 'succeeded' | 'failed' | 'skipped', error?: StepError): Promise<boolean> {
    const b = identity(runId, key).set('status', status).set('error', error).set('ended_at', this.table.timestamp()).setIfMissing('attempts', 0).remove('state');
    const s = b.name('status');
    // Closes: a step that ends by itself just as the run settles it: its own end stands.
    const condition = `attribute_not_exists(${s}) OR ${s} IN (${b.value('running')}, ${b.value('waiting')}, ${b.value('pending')})`;
    return (await this.table.updateWhere(keys.run(runId), keys.step(key), b, condition)) !== undefined;
  }

  /** Keeps a step kind's progress between calls (the agentapi provider's submission). Only while running. */
  async setState(runId: string, key: StepKey, state: Record<string, unknown>): Promise<boolean> {
    const b = new UpdateBuilder().set('state', state);
    // Closes: a slow poll saving progress after another call finished the step.
    return (await this.table.updateWhere(keys.run(runId), keys.step(key), b, `${b.name('status')} = ${b.value('running')}`)) !== undefined;
  }

  /** Every checkpoint of a run, `for_each` elements included, in step then index order. */
  async list(runId: string): Promise<StepCheckpoint[]> {
    const items = await this.table.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'item_type = :step',
      ExpressionAttributeValues: { ':pk': keys.run(runId), ':prefix': 'STEP#', ':step': 'step' },
    });
    return items.map((item) => toStep(runId, item)).sort((a, b) => (a.step === b.step ? (a.index ?? -1) - (b.index ?? -1) : a.step < b.step ? -1 : 1));
  }

  /** The step's full result, reassembled from parts if it was large; undefined if none was stored. */
  async getResult(runId: string, key: StepKey): Promise<unknown> {
    const item = await this.table.get(keys.run(runId), keys.step(key));
    return item ? this.readResult(runId, key, item) : undefined;
  }

  /** The step's declared outputs as stored (never a ref); undefined if none were stored. */
  async getOutputs(runId: string, key: StepKey): Promise<unknown> {
    const item = await this.table.get(keys.run(runId), keys.step(key));
    if (!item) return undefined;
    if (item.outputs_same === true) return this.readResult(runId, key, item);
    if (typeof item.outputs_json === 'string') return JSON.parse(item.outputs_json);
    if (item.outputs_parts) return this.parts.read(runId, key, 'OUTPART', item.outputs_parts as PartsPointer);
    return undefined;
  }

  /**
   * Replaces every `ResultRef` in a value by the outputs it stands for: a later step's
   * input gets the real data while the state machine only ever carried the reference.
   */
  async resolveRefs<T>(value: T): Promise<T> {
    const cache = new Map<string, Promise<unknown>>();
    const walk = async (node: unknown): Promise<unknown> => {
      if (isResultRef(node)) {
        const { run, step } = node['baton:ref'];
        const id = `${run}\u0000${step}`;
        if (!cache.has(id)) {
          cache.set(
            id,
            this.getOutputs(run, parseStepKey(step)).then((outputs) => {
              if (outputs === undefined) throw new ResultMissingError(`no stored outputs for step ${step} of run ${run}`);
              return outputs;
            }),
          );
        }
        return cache.get(id);
      }
      if (Array.isArray(node)) return Promise.all((node as unknown[]).map(walk));
      if (typeof node === 'object' && node !== null) {
        const entries = await Promise.all(Object.entries(node).map(async ([k, v]) => [k, await walk(v)] as const));
        return Object.fromEntries(entries);
      }
      return node;
    };
    return (await walk(value)) as T;
  }

  private async readResult(runId: string, key: StepKey, item: Item): Promise<unknown> {
    if (typeof item.result_json === 'string') return JSON.parse(item.result_json);
    if (item.result_parts) return this.parts.read(runId, key, 'PART', item.result_parts as PartsPointer);
    return undefined;
  }
}

/** The attributes every checkpoint write sets, so any first write creates a whole item. */
function identity(runId: string, key: StepKey): UpdateBuilder {
  return new UpdateBuilder().set('item_type', 'step').set('run_id', runId).set('step', key.step).set('index', key.index);
}

function notSucceeded(b: UpdateBuilder): string {
  const status = b.name('status');
  return `attribute_not_exists(${status}) OR ${status} <> ${b.value('succeeded')}`;
}

function toStep(runId: string, item: Item): StepCheckpoint {
  const key: StepKey = { step: String(item.step), index: item.index === undefined ? undefined : Number(item.index) };
  let outputs: unknown;
  if (item.status === 'succeeded') {
    if (item.outputs_same === true && typeof item.result_json === 'string') outputs = JSON.parse(item.result_json);
    else if (typeof item.outputs_json === 'string') outputs = JSON.parse(item.outputs_json);
    else if (item.outputs_same === true) outputs = makeResultRef(runId, stepKeyString(key), Number(item.result_bytes));
    else if (item.outputs_parts) outputs = makeResultRef(runId, stepKeyString(key), (item.outputs_parts as PartsPointer).bytes);
  }
  return dropUndefined({
    run_id: runId,
    step: key.step,
    index: key.index,
    status: item.status as StepCheckpoint['status'],
    attempts: Number(item.attempts ?? 0),
    started_at: item.started_at as string | undefined,
    ended_at: item.ended_at as string | undefined,
    outputs,
    result_bytes: item.result_bytes === undefined ? undefined : Number(item.result_bytes),
    error: item.error as StepError | undefined,
    state: item.state as Record<string, unknown> | undefined,
    compensated: item.compensated === true ? true : undefined,
  });
}

