/**
 * Run records (`RUN#<id>`/`RUN`): a run's status, inputs, outputs, error and
 * control flag, its execution, and, locally, the process that executes it.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { RunExistsError, RunFinishedError, RunNotFoundError, RunOwnedError, VersionConflictError } from '../errors.ts';
import { TERMINAL_RUN_STATUSES, type NewRun, type RunControl, type RunOwner, type RunPatch, type RunRecord } from './records.ts';
import { BY_WORKFLOW_INDEX, dropUndefined, keys, parseJson, type Item, type Table } from './table.ts';
import { UpdateBuilder } from './update-expression.ts';

const DAY_SECONDS = 24 * 60 * 60;
const RUN = 'RUN';

export interface RunPage {
  runs: RunRecord[];
  /** Pass back as `after` for the next page; absent on the last page. */
  next?: string;
}

export class RunStore {
  private readonly table: Table;

  constructor(table: Table) {
    this.table = table;
  }

  /** Records a new run. Fails with `RunExistsError` if the id is taken. */
  async create(run: NewRun): Promise<RunRecord> {
    const startedAt = run.started_at ?? this.table.timestamp();
    const item: Item = {
      pk: keys.run(run.run_id),
      sk: RUN,
      item_type: 'run',
      run_id: run.run_id,
      workflow: run.workflow,
      status: run.status ?? 'running',
      inputs_json: JSON.stringify(run.inputs ?? {}),
      trigger_json: run.trigger === undefined ? undefined : JSON.stringify(run.trigger),
      execution_arn: run.execution_arn,
      version: 1,
      started_at: startedAt,
      gsi1pk: `WF#${run.workflow}`,
      gsi1sk: `${startedAt}#${run.run_id}`,
    };
    // Closes: two starts with the same run id (an API retry, a redelivered webhook):
    // run ids are idempotency keys, so only the first one creates the run.
    await this.table.putNew(item, () => new RunExistsError(run.run_id));
    return toRun(dropUndefined(item));
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const item = await this.table.get(keys.run(runId), RUN);
    return item ? toRun(item) : undefined;
  }

  /**
   * Changes a run's status, outputs, error, end time or execution ARN, and bumps its
   * `version`. With `expectedVersion`, the write only happens if nobody changed the
   * run since that version was read (`VersionConflictError` otherwise).
   */
  async update(runId: string, patch: RunPatch, options: { expectedVersion?: number } = {}): Promise<RunRecord> {
    const b = new UpdateBuilder().set('status', patch.status).set('execution_arn', patch.execution_arn);
    const version = b.name('version');
    b.setExpression(`${version} = ${version} + ${b.value(1)}`);
    if (patch.outputs === null) b.remove('outputs_json');
    else if (patch.outputs !== undefined) b.set('outputs_json', JSON.stringify(patch.outputs));
    if (patch.error === null) b.remove('error');
    else b.set('error', patch.error);
    if (patch.ended_at === null) b.remove('ended_at');
    else b.set('ended_at', patch.ended_at);
    const condition =
      options.expectedVersion === undefined
        ? `attribute_exists(${b.name('pk')})`
        : // Closes: two writers that both read the run (say, `run.failed` and an API
          // cancel) and both decide its next status: the second sees a conflict and
          // must read again instead of overwriting the first.
          `${version} = ${b.value(options.expectedVersion)}`;
    const attributes = await this.table.updateWhere(keys.run(runId), RUN, b, condition, async () => {
      const current = await this.get(runId);
      return current ? new VersionConflictError(runId, options.expectedVersion ?? current.version) : new RunNotFoundError(runId);
    });
    const run = toRun(attributes!);
    return patch.status !== undefined ? this.applyRetention(run) : run;
  }

  /**
   * Sets (or with `null` clears) the run's control flag, which every step reads at
   * its boundary. Pausing or cancelling a finished run is refused (`RunFinishedError`).
   */
  async requestControl(runId: string, control: RunControl | null): Promise<RunRecord> {
    const b = new UpdateBuilder();
    let condition = `attribute_exists(${b.name('pk')})`;
    if (control === null) {
      b.remove('control');
    } else {
      b.set('control', control);
      const finished = TERMINAL_RUN_STATUSES.map((status) => b.value(status)).join(', ');
      // Closes: a pause/cancel racing with the run's end: a finished run never gets a
      // flag that no step would read and that a later resume would trip over.
      condition += ` AND NOT ${b.name('status')} IN (${finished})`;
    }
    const attributes = await this.table.updateWhere(keys.run(runId), RUN, b, condition, async () => {
      const current = await this.get(runId);
      return current ? new RunFinishedError(runId, current.status) : new RunNotFoundError(runId);
    });
    return toRun(attributes!);
  }

  /**
   * Takes the run for the process `owner`, unless another owner's lease is fresh
   * (renewed within `staleAfterMs`): then `RunOwnedError` names who holds it.
   * `replacing`: the id of a holder known to be dead, whose lease is taken at once.
   */
  async claim(runId: string, owner: Omit<RunOwner, 'heartbeat_at'>, staleAfterMs: number, replacing?: string): Promise<RunRecord> {
    const now = this.table.now();
    const b = new UpdateBuilder().set('owner', { ...owner, heartbeat_at: now.toISOString() });
    const o = b.name('owner');
    const cutoff = new Date(now.getTime() - staleAfterMs).toISOString();
    // Closes: two processes resuming one run at once (two terminals): exactly one of
    // them takes the lease; a lease whose holder stopped renewing it is up for grabs.
    const id = `${o}.${b.name('id')}`;
    const takeable = [`attribute_not_exists(${o})`, `${id} = ${b.value(owner.id)}`, `${o}.${b.name('heartbeat_at')} < ${b.value(cutoff)}`];
    if (replacing) takeable.push(`${id} = ${b.value(replacing)}`);
    const condition = `attribute_exists(${b.name('pk')}) AND (${takeable.join(' OR ')})`;
    const attributes = await this.table.updateWhere(keys.run(runId), RUN, b, condition, async () => {
      const current = await this.get(runId);
      return current?.owner ? new RunOwnedError(runId, current.owner) : new RunNotFoundError(runId);
    });
    return toRun(attributes!);
  }

  /** Renews the lease; false if the run is no longer this owner's. */
  async heartbeat(runId: string, ownerId: string): Promise<boolean> {
    const b = new UpdateBuilder();
    const owner = b.name('owner');
    b.setExpression(`${owner}.${b.name('heartbeat_at')} = ${b.value(this.table.timestamp())}`);
    // Closes: a process renewing a lease another process has since taken over.
    return (await this.table.updateWhere(keys.run(runId), RUN, b, `${owner}.${b.name('id')} = ${b.value(ownerId)}`)) !== undefined;
  }

  /** Gives the lease up (the run ended, or stopped); only the owner's own. */
  async release(runId: string, ownerId: string): Promise<void> {
    const b = new UpdateBuilder().remove('owner');
    await this.table.updateWhere(keys.run(runId), RUN, b, `${b.name('owner')}.${b.name('id')} = ${b.value(ownerId)}`);
  }

  /**
   * Runs, newest first, a page at a time, read from the `by-workflow` index: of
   * `workflow`, or merged across `workflows` (one query each, never a scan; the
   * API passes the workflows it serves). With neither, a scan of the whole table,
   * which suits only a local store (`baton runs`).
   *
   * The cursor is the index position of the last run given, so a page is exactly
   * the runs older than it: each query asks for one more than `limit`, and there
   * is a next page only when that one exists.
   */
  async page(options: { workflow?: string; workflows?: string[]; limit?: number; after?: string } = {}): Promise<RunPage> {
    const limit = options.limit ?? 50;
    const names = options.workflow !== undefined ? [options.workflow] : options.workflows;
    if (!names) return this.scanPage(limit, options.after);
    const before = options.after === undefined ? undefined : parseCursor(options.after);
    const pages = await Promise.all(
      names.map(async (workflow) => {
        const result = await this.table.client.send(
          new QueryCommand({
            TableName: this.table.name,
            IndexName: BY_WORKFLOW_INDEX,
            KeyConditionExpression: before === undefined ? 'gsi1pk = :wf' : 'gsi1pk = :wf AND gsi1sk < :before',
            ExpressionAttributeValues: { ':wf': `WF#${workflow}`, ...(before === undefined ? {} : { ':before': before }) },
            ScanIndexForward: false,
            Limit: limit + 1,
          }),
        );
        return result.Items ?? [];
      }),
    );
    // gsi1sk (start time, then run id) orders runs across workflows as within one.
    const items = pages.flat().sort((a, b) => (String(a.gsi1sk) < String(b.gsi1sk) ? 1 : -1));
    const shown = items.slice(0, limit);
    const next = items.length > limit ? Buffer.from(JSON.stringify({ before: shown.at(-1)!.gsi1sk })).toString('base64url') : undefined;
    return { runs: shown.map(toRun), ...(next ? { next } : {}) };
  }

  private async scanPage(limit: number, after: string | undefined): Promise<RunPage> {
    const runs: RunRecord[] = [];
    let cursor: Item | undefined;
    do {
      const page = await this.table.client.send(
        new ScanCommand({ TableName: this.table.name, FilterExpression: 'item_type = :run', ExpressionAttributeValues: { ':run': 'run' }, ExclusiveStartKey: cursor }),
      );
      runs.push(...(page.Items ?? []).map(toRun));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    runs.sort((a, b) => (a.started_at === b.started_at ? b.run_id.localeCompare(a.run_id) : b.started_at.localeCompare(a.started_at)));
    const offset = after ? Number(Buffer.from(after, 'base64url').toString('utf8')) || 0 : 0;
    const slice = runs.slice(offset, offset + limit);
    const next = offset + limit < runs.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
    return { runs: slice, ...(next ? { next } : {}) };
  }

  /** The newest runs (of one workflow), at most `limit`. */
  async list(options: { workflow?: string; limit?: number } = {}): Promise<RunRecord[]> {
    return (await this.page(options)).runs;
  }

  /**
   * A finished run's items get `expires_at` (DynamoDB's TTL deletes them later); a run
   * that starts again (resume, retry) loses it. Every item of the run is touched, since
   * TTL works per item; the write is idempotent, so no race needs closing.
   */
  private async applyRetention(run: RunRecord): Promise<RunRecord> {
    const finished = TERMINAL_RUN_STATUSES.includes(run.status);
    if (finished && this.table.retentionDays === null) return run;
    if (!finished && run.expires_at === undefined) return run;
    const expiresAt = finished ? this.table.epochSeconds() + (this.table.retentionDays ?? 0) * DAY_SECONDS : undefined;
    const items = await this.table.itemsOf(keys.run(run.run_id));
    await Promise.all(
      items.map((item) => {
        const b = new UpdateBuilder();
        if (expiresAt === undefined) b.remove('expires_at');
        else b.set('expires_at', expiresAt);
        // An item deleted meanwhile must not come back as a stub holding only `expires_at`.
        return this.table.updateWhere(String(item.pk), String(item.sk), b, `attribute_exists(${b.name('pk')})`);
      }),
    );
    return dropUndefined({ ...run, expires_at: expiresAt });
  }
}

function toRun(item: Item): RunRecord {
  return dropUndefined({
    run_id: String(item.run_id),
    workflow: String(item.workflow),
    status: item.status as RunRecord['status'],
    inputs: (parseJson(item.inputs_json) ?? {}) as Record<string, unknown>,
    trigger: parseJson(item.trigger_json),
    execution_arn: item.execution_arn as string | undefined,
    version: Number(item.version),
    started_at: String(item.started_at),
    ended_at: item.ended_at as string | undefined,
    outputs: parseJson(item.outputs_json),
    error: item.error as RunRecord['error'],
    control: item.control as RunRecord['control'],
    owner: item.owner as RunOwner | undefined,
    expires_at: item.expires_at === undefined ? undefined : Number(item.expires_at),
  });
}

/** A cursor `page` gave: `{ before }`, an index position. Anything else is a SyntaxError, as bad JSON is. */
function parseCursor(cursor: string): string {
  const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown } | null;
  if (typeof parsed?.before !== 'string') throw new SyntaxError('not a cursor of this store');
  return parsed.before;
}
