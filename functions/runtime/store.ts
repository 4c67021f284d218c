/**
 * The checkpoint store: every run's state in one DynamoDB table.
 *
 * The state machine carries only small, declared outputs; this table holds the
 * rest (runs, step checkpoints with full results, approvals, the local task-token
 * broker, barrier counters), so that a step whose checkpoint says `succeeded`
 * returns its stored outputs instead of running again. That is what makes resume,
 * retry-from-failure and duplicate Lambda invocations safe.
 *
 * Layout (DESIGN.md, "State in DynamoDB"), all under `pk`/`sk`:
 *
 * | item | pk | sk |
 * | --- | --- | --- |
 * | run | `RUN#<id>` | `RUN` |
 * | step checkpoint | `RUN#<id>` | `STEP#<step>[#<index>]` |
 * | result part | `RUN#<id>` | `STEP#<step>[#<index>]#PART#<attempt>#<n>` (outputs: `#OUTPART#`) |
 * | approval | `RUN#<id>` | `APPROVAL#<step>[#<index>]` |
 * | barrier counter | `RUN#<id>` | `BARRIER#<name>` |
 * | run-scoped value | `RUN#<id>` | `VALUE#<name>` |
 * | local task token | `TOKEN#<token>` | `TOKEN` |
 *
 * Writes that race are conditional, never read-then-write; each condition says
 * which race it closes, and a `ConditionalCheckFailedException` becomes a domain
 * error (errors.ts) right where it is caught. User values (inputs, results,
 * outputs) are stored as JSON text: DynamoDB maps stop at 32 levels of nesting and
 * numbers at 38 digits, and a user's JSON must come back exactly as it went in.
 */

import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { OutputsSpec } from './contract.ts';
import {
  ApprovalAlreadyDecidedError,
  ApprovalNotFoundError,
  ResultMissingError,
  RunExistsError,
  RunFinishedError,
  RunNotFoundError,
  StepAlreadySucceededError,
  TaskTokenClosedError,
  VersionConflictError,
} from './errors.ts';
import { isResultRef, makeResultRef } from './result-ref.ts';
import {
  TERMINAL_RUN_STATUSES,
  parseStepKey,
  stepKeyString,
  type ApprovalDecision,
  type ApprovalRecord,
  type CounterKey,
  type CounterState,
  type NewRun,
  type RunControl,
  type RunPatch,
  type RunRecord,
  type StepCheckpoint,
  type StepError,
  type StepKey,
  type TokenOutcome,
} from './store-records.ts';
import { UpdateBuilder } from './update-expression.ts';

/** Values whose JSON is larger than this go to part items (DynamoDB's item limit is 400 KB). */
export const INLINE_LIMIT_BYTES = 350 * 1024;

/** The GSI that lists a workflow's runs, newest first. */
export const BY_WORKFLOW_INDEX = 'by-workflow';

const DAY_SECONDS = 24 * 60 * 60;

export interface CheckpointStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long a finished run's items stay before DynamoDB's TTL removes them; `null` keeps them. Default 30. */
  retentionDays?: number | null;
  now?: () => Date;
  /** Override of `INLINE_LIMIT_BYTES` (and of the part size), for tests. */
  inlineLimitBytes?: number;
}

type Item = Record<string, unknown>;

/** Where a value that did not fit in its item went. */
interface PartsPointer {
  attempt: number;
  count: number;
  bytes: number;
}

type PartSlot = 'PART' | 'OUTPART';

/** The store's API over one table; see the module comment for the layout. */
export class CheckpointStore {
  readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly retentionDays: number | null;
  private readonly now: () => Date;
  private readonly inlineLimit: number;

  constructor(options: CheckpointStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionDays = options.retentionDays === undefined ? 30 : options.retentionDays;
    this.now = options.now ?? (() => new Date());
    this.inlineLimit = options.inlineLimitBytes ?? INLINE_LIMIT_BYTES;
  }

  /**
   * The table as CreateTable wants it: the CDK stack mirrors this (plus TTL on
   * `expires_at` and point-in-time recovery, which CreateTable cannot set), and the
   * local engine creates it in dynalite.
   */
  static tableDefinition(name: string): CreateTableCommandInput {
    return {
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: BY_WORKFLOW_INDEX,
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    };
  }

  /** Creates the table unless it exists, and waits until it is ACTIVE. For local use. */
  async createTableIfMissing(): Promise<void> {
    try {
      await this.client.send(new CreateTableCommand(CheckpointStore.tableDefinition(this.tableName)));
    } catch (error) {
      // Another process (a second `baton run` on the same store) may have created it first.
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
    for (let i = 0; i < 600; i++) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`table ${this.tableName} did not become ACTIVE`);
  }

  // ---------------------------------------------------------------- runs

  /** Records a new run. Fails with `RunExistsError` if the id is taken. */
  async createRun(run: NewRun): Promise<RunRecord> {
    const startedAt = run.started_at ?? this.timestamp();
    const item: Item = {
      pk: runPk(run.run_id),
      sk: 'RUN',
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
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          // Closes: two starts with the same run id (an API retry, a redelivered
          // webhook): run ids are idempotency keys, so only the first one creates the run.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new RunExistsError(run.run_id);
      throw error;
    }
    return toRun(item);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const item = await this.getItem(runPk(runId), 'RUN');
    return item ? toRun(item) : undefined;
  }

  /**
   * Changes a run's status, outputs, error, end time or execution ARN, and bumps its
   * `version`. With `expectedVersion`, the write only happens if nobody changed the
   * run since that version was read (`VersionConflictError` otherwise).
   */
  async updateRun(runId: string, patch: RunPatch, options: { expectedVersion?: number } = {}): Promise<RunRecord> {
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
        : // Closes: two writers that both read the run (say, `run.finish` and an API
          // cancel) and both decide its next status: the second sees a conflict and
          // must read again instead of overwriting the first.
          `${version} = ${b.value(options.expectedVersion)}`;
    let attributes: Item | undefined;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: 'RUN' },
          ...b.build(condition),
          ReturnValues: 'ALL_NEW',
        }),
      );
      attributes = result.Attributes;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.getRun(runId);
      if (!current) throw new RunNotFoundError(runId);
      throw new VersionConflictError(runId, options.expectedVersion ?? current.version);
    }
    let run = toRun(attributes!);
    if (patch.status !== undefined) run = await this.applyRetention(run);
    return run;
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
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: 'RUN' },
          ...b.build(condition),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRun(result.Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.getRun(runId);
      if (!current) throw new RunNotFoundError(runId);
      throw new RunFinishedError(runId, current.status);
    }
  }

  /**
   * Runs, newest first. With `workflow`, one query on the `by-workflow` index; without,
   * a scan of the table, which is fine for a local store but costs a full read on AWS.
   */
  async listRuns(options: { workflow?: string; limit?: number } = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? 50;
    if (options.workflow !== undefined) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BY_WORKFLOW_INDEX,
          KeyConditionExpression: 'gsi1pk = :wf',
          ExpressionAttributeValues: { ':wf': `WF#${options.workflow}` },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (result.Items ?? []).map(toRun);
    }
    const runs: RunRecord[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'item_type = :run',
          ExpressionAttributeValues: { ':run': 'run' },
          ExclusiveStartKey: start,
        }),
      );
      runs.push(...(page.Items ?? []).map(toRun));
      start = page.LastEvaluatedKey;
    } while (start);
    runs.sort((a, b) => (a.started_at === b.started_at ? b.run_id.localeCompare(a.run_id) : b.started_at.localeCompare(a.started_at)));
    return runs.slice(0, limit);
  }

  // ---------------------------------------------------------------- steps

  async getStep(runId: string, key: StepKey): Promise<StepCheckpoint | undefined> {
    const item = await this.getItem(runPk(runId), stepSk(key));
    return item ? toStep(runId, item) : undefined;
  }

  /**
   * Starts an attempt: atomically counts it, marks the step `running` and clears the
   * previous attempt's error and progress. Returns the attempt number (1 for the first).
   * Refuses a step that has already succeeded (`StepAlreadySucceededError`).
   */
  async beginAttempt(runId: string, key: StepKey): Promise<number> {
    const now = this.timestamp();
    const b = this.stepIdentity(runId, key)
      .set('status', 'running')
      .setIfMissing('started_at', now)
      .set('attempt_started_at', now)
      .remove('ended_at', 'error', 'state', 'compensated')
      .add('attempts', 1);
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: stepSk(key) },
          // Closes: a duplicate invocation (a Lambda retry, a resumed execution) starting
          // a step that another invocation has just finished: a succeeded checkpoint is
          // never reopened, and the caller returns its stored outputs instead; unless a
          // compensation undid it, when a resumed run must do it again.
          ...b.build(`${notSucceeded(b)} OR ${b.name('compensated')} = ${b.value(true)}`),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Number(result.Attributes!.attempts);
    } catch (error) {
      if (isConditionFailure(error)) throw new StepAlreadySucceededError(runId, stepKeyString(key));
      throw error;
    }
  }

  /**
   * Records a success: the full result (in parts when large) and the declared outputs
   * (`outputs` omitted: the outputs are the result itself, stored once). `attempt`
   * names the part items, so two racing invocations never overwrite each other's parts.
   */
  async succeedStep(runId: string, key: StepKey, success: { result: unknown; outputs?: unknown; attempt: number }): Promise<void> {
    const b = this.stepIdentity(runId, key)
      .set('status', 'succeeded')
      .set('ended_at', this.timestamp())
      .setIfMissing('attempts', 0)
      .remove('error', 'state');

    const resultJson = JSON.stringify(success.result ?? null);
    const resultBytes = Buffer.byteLength(resultJson, 'utf8');
    let budget = this.inlineLimit;
    b.set('result_bytes', resultBytes);
    if (resultBytes <= budget) {
      b.set('result_json', resultJson).remove('result_parts');
      budget -= resultBytes;
    } else {
      const pointer = await this.writeParts(runId, key, 'PART', success.attempt, resultJson);
      b.set('result_parts', pointer).remove('result_json');
    }

    if (success.outputs === undefined) {
      b.set('outputs_same', true).remove('outputs_json', 'outputs_parts');
    } else {
      const outputsJson = JSON.stringify(success.outputs);
      const outputsBytes = Buffer.byteLength(outputsJson, 'utf8');
      b.remove('outputs_same');
      if (outputsBytes <= budget) {
        b.set('outputs_json', outputsJson).remove('outputs_parts');
      } else {
        const pointer = await this.writeParts(runId, key, 'OUTPART', success.attempt, outputsJson);
        b.set('outputs_parts', pointer).remove('outputs_json');
      }
    }

    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: stepSk(key) },
          // Closes: two invocations of one step finishing together: the first result
          // stands, and the later caller returns it instead of its own.
          ...b.build(notSucceeded(b)),
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new StepAlreadySucceededError(runId, stepKeyString(key));
      throw error;
    }
  }

  /**
   * Records a failure. Returns false (and writes nothing) if the step had already
   * succeeded, or, given `attempt`, if a newer attempt has started since.
   */
  async failStep(runId: string, key: StepKey, error: StepError, attempt?: number): Promise<boolean> {
    const b = this.stepIdentity(runId, key)
      .set('status', 'failed')
      .set('error', { name: error.name, message: error.message })
      .set('ended_at', this.timestamp())
      .setIfMissing('attempts', 0)
      .remove('state');
    // Closes: a late failure of a duplicate invocation downgrading a step that succeeded,
    // and (with `attempt`) an abandoned attempt marking a newer running one failed.
    const condition = attempt === undefined ? notSucceeded(b) : `(${notSucceeded(b)}) AND ${b.name('attempts')} = ${b.value(attempt)}`;
    return this.conditionalUpdate(runPk(runId), stepSk(key), b, condition);
  }

  /**
   * Marks a succeeded step as undone by its compensation: it keeps its outputs for
   * the record, but a resumed run runs it again (beginAttempt reopens it).
   */
  async markCompensated(runId: string, key: StepKey): Promise<boolean> {
    const b = new UpdateBuilder().set('compensated', true);
    const status = b.name('status');
    return this.conditionalUpdate(runPk(runId), stepSk(key), b, `${status} = ${b.value('succeeded')}`);
  }

  /**
   * Sets `skipped`, `pending` or `waiting`. Returns false when the checkpoint was not
   * in a state that allows it: nothing overrides `succeeded`, and `waiting` only
   * follows the `running` attempt that asked for it.
   */
  async setStepStatus(runId: string, key: StepKey, status: 'skipped' | 'pending' | 'waiting'): Promise<boolean> {
    const b = this.stepIdentity(runId, key).set('status', status).setIfMissing('attempts', 0);
    const condition =
      status === 'waiting'
        ? // Closes: an approval decided between storing its token and this write: the
          // decision's succeeded/failed checkpoint must not turn back into `waiting`.
          `${b.name('status')} = ${b.value('running')}`
        : notSucceeded(b);
    return this.conditionalUpdate(runPk(runId), stepSk(key), b, condition);
  }

  /** Keeps a step kind's progress between calls (the agentapi provider's submission). Only while running. */
  async setStepState(runId: string, key: StepKey, state: Record<string, unknown>): Promise<boolean> {
    const b = new UpdateBuilder().set('state', state);
    // Closes: a slow poll saving progress after another call finished the step.
    return this.conditionalUpdate(runPk(runId), stepSk(key), b, `${b.name('status')} = ${b.value('running')}`);
  }

  /** Every checkpoint of a run, `for_each` elements included, in step then index order. */
  async listSteps(runId: string): Promise<StepCheckpoint[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'item_type = :step',
      ExpressionAttributeValues: { ':pk': runPk(runId), ':prefix': 'STEP#', ':step': 'step' },
    });
    return items
      .map((item) => toStep(runId, item))
      .sort((a, b) => (a.step === b.step ? (a.index ?? -1) - (b.index ?? -1) : a.step < b.step ? -1 : 1));
  }

  /** The step's full result, reassembled from parts if it was large; undefined if none was stored. */
  async getResult(runId: string, key: StepKey): Promise<unknown> {
    const item = await this.getItem(runPk(runId), stepSk(key));
    if (!item) return undefined;
    return this.readResult(runId, key, item);
  }

  /** The step's declared outputs as stored (never a ref); undefined if none were stored. */
  async getOutputs(runId: string, key: StepKey): Promise<unknown> {
    const item = await this.getItem(runPk(runId), stepSk(key));
    if (!item) return undefined;
    if (item.outputs_same === true) return this.readResult(runId, key, item);
    if (typeof item.outputs_json === 'string') return JSON.parse(item.outputs_json);
    if (item.outputs_parts) return this.readParts(runId, key, 'OUTPART', item.outputs_parts as PartsPointer);
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
      if (Array.isArray(node)) return Promise.all(node.map(walk));
      if (typeof node === 'object' && node !== null) {
        const entries = await Promise.all(Object.entries(node).map(async ([k, v]) => [k, await walk(v)] as const));
        return Object.fromEntries(entries);
      }
      return node;
    };
    return (await walk(value)) as T;
  }

  // ---------------------------------------------------------------- approvals

  /**
   * Stores the task token an approval waits on (a re-invoked approval replaces the old,
   * dead token) and returns the approval, decision included if a person already decided.
   */
  async putApproval(
    runId: string,
    key: StepKey,
    request: { token: string; message: string; requested_at?: string; timeout_at?: string; outputs_spec?: OutputsSpec },
  ): Promise<ApprovalRecord> {
    const b = new UpdateBuilder()
      .set('item_type', 'approval')
      .set('run_id', runId)
      .set('step', stepKeyString(key))
      .set('token', request.token)
      .set('message', request.message)
      .set('requested_at', request.requested_at ?? this.timestamp())
      .set('timeout_at', request.timeout_at)
      .set('outputs_spec', request.outputs_spec);
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: approvalSk(key) },
        ...b.build(),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toApproval(result.Attributes!);
  }

  /**
   * Records a person's decision, once. Returns the approval with the token to release.
   * `ApprovalNotFoundError` if no approval was asked for, `ApprovalAlreadyDecidedError`
   * for a second decision.
   */
  async decideApproval(
    runId: string,
    key: StepKey,
    decision: { decision: ApprovalDecision; decided_by: string; comment?: string; decided_at?: string },
  ): Promise<ApprovalRecord> {
    const b = new UpdateBuilder()
      .set('decision', decision.decision)
      .set('decided_by', decision.decided_by)
      .set('comment', decision.comment)
      .set('decided_at', decision.decided_at ?? this.timestamp());
    // Closes: two people (or a CLI and a `/approve` comment) deciding at once: the first
    // decision stands and the second is told so, rather than both releasing the token.
    const condition = `attribute_exists(${b.name('pk')}) AND attribute_not_exists(${b.name('decision')})`;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: approvalSk(key) },
          ...b.build(condition),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toApproval(result.Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.getApproval(runId, key);
      if (!current) throw new ApprovalNotFoundError(runId, stepKeyString(key));
      throw new ApprovalAlreadyDecidedError(runId, stepKeyString(key), current.decision ?? 'unknown');
    }
  }

  async getApproval(runId: string, key: StepKey): Promise<ApprovalRecord | undefined> {
    const item = await this.getItem(runPk(runId), approvalSk(key));
    return item ? toApproval(item) : undefined;
  }

  async listApprovals(runId: string): Promise<ApprovalRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': runPk(runId), ':prefix': 'APPROVAL#' },
    });
    return items.map(toApproval);
  }

  // ---------------------------------------------------------------- local task tokens

  /**
   * Records a task token's outcome for the local engine, which waits on it (perhaps
   * in another process). A token completes once: `TaskTokenClosedError` after that.
   */
  async completeToken(token: string, outcome: TokenOutcome): Promise<void> {
    const item: Item = {
      pk: `TOKEN#${token}`,
      sk: 'TOKEN',
      item_type: 'token',
      status: outcome.status,
      completed_at: this.timestamp(),
      expires_at: this.retentionDays === null ? undefined : this.epochSeconds() + this.retentionDays * DAY_SECONDS,
      ...(outcome.status === 'success'
        ? { output_json: JSON.stringify(outcome.output ?? null) }
        : { error: outcome.error, cause: outcome.cause }),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          // Closes: a token released twice (a decision racing a re-invoked approval):
          // like Step Functions, the waiting task sees exactly one outcome.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new TaskTokenClosedError('the task token was already completed');
      throw error;
    }
  }

  async getTokenOutcome(token: string): Promise<TokenOutcome | undefined> {
    const item = await this.getItem(`TOKEN#${token}`, 'TOKEN');
    if (!item) return undefined;
    if (item.status === 'success') return { status: 'success', output: JSON.parse(String(item.output_json)) };
    return { status: 'failure', error: String(item.error), cause: String(item.cause ?? '') };
  }

  // ---------------------------------------------------------------- counters

  /**
   * Registers a waiter on a counter in one atomic UpdateItem: stores its token (and
   * what it waits with, `waiter`) and returns how many decrements are still due
   * (starting from `initial` if new).
   */
  async setCounterToken(key: CounterKey, token: string, initial: number, waiter?: unknown): Promise<CounterState> {
    const b = new UpdateBuilder()
      .set('item_type', 'counter')
      .set('token', token)
      .set('waiter_json', waiter === undefined ? undefined : JSON.stringify(waiter))
      .setIfMissing('remaining', initial);
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runPk(key.runId), sk: counterSk(key) },
        ...b.build(),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toCounter(result.Attributes!);
  }

  /**
   * Counts one down in one atomic UpdateItem (starting from `initial` if new) and
   * returns what is left and the waiter's token and `waiter`, if one registered.
   */
  async decrementCounter(key: CounterKey, initial: number): Promise<CounterState> {
    const b = new UpdateBuilder().set('item_type', 'counter');
    const remaining = b.name('remaining');
    b.setExpression(`${remaining} = if_not_exists(${remaining}, ${b.value(initial)}) - ${b.value(1)}`);
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runPk(key.runId), sk: counterSk(key) },
        ...b.build(),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toCounter(result.Attributes!);
  }

  // ---------------------------------------------------------------- run-scoped values

  /**
   * Stores a small JSON value under a run (`RUN#<id>`/`VALUE#<name>`): what the
   * dependency barrier parks while a step waits (its state, its needs' signals).
   * Unconditional: each name has one writer, and a rewrite carries the same value.
   * Values come from Step Functions state (at most 256 KB), so they fit in one item.
   */
  async putValue(runId: string, name: string, value: unknown): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: runPk(runId), sk: `VALUE#${name}`, item_type: 'value', value_json: JSON.stringify(value ?? null) },
      }),
    );
  }

  /** The value stored by `putValue`, or undefined. */
  async getValue(runId: string, name: string): Promise<unknown> {
    const item = await this.getItem(runPk(runId), `VALUE#${name}`);
    return typeof item?.value_json === 'string' ? JSON.parse(item.value_json) : undefined;
  }

  // ---------------------------------------------------------------- internals

  private timestamp(): string {
    return this.now().toISOString();
  }

  private epochSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  private async getItem(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }));
    return result.Item;
  }

  private async queryAll(input: {
    KeyConditionExpression: string;
    FilterExpression?: string;
    ExpressionAttributeValues: Record<string, unknown>;
  }): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start, ...input }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async conditionalUpdate(pk: string, sk: string, b: UpdateBuilder, condition: string): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: { pk, sk }, ...b.build(condition) }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The attributes every checkpoint write sets, so any first write creates a whole item. */
  private stepIdentity(runId: string, key: StepKey): UpdateBuilder {
    return new UpdateBuilder().set('item_type', 'step').set('run_id', runId).set('step', key.step).set('index', key.index);
  }

  private async writeParts(runId: string, key: StepKey, slot: PartSlot, attempt: number, json: string): Promise<PartsPointer> {
    const bytes = Buffer.from(json, 'utf8');
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; offset += this.inlineLimit) {
      chunks.push(bytes.subarray(offset, offset + this.inlineLimit));
    }
    await Promise.all(
      chunks.map((chunk, n) =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: runPk(runId),
              sk: partSk(key, slot, attempt, n),
              item_type: 'part',
              n,
              data: new Uint8Array(chunk),
            },
          }),
        ),
      ),
    );
    return { attempt, count: chunks.length, bytes: bytes.length };
  }

  private async readParts(runId: string, key: StepKey, slot: PartSlot, pointer: PartsPointer): Promise<unknown> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': runPk(runId),
        ':prefix': `${stepSk(key)}#${slot}#${pointer.attempt}#`,
      },
    });
    items.sort((a, b) => Number(a.n) - Number(b.n));
    const buffer = Buffer.concat(items.map((item) => Buffer.from(item.data as Uint8Array)));
    if (items.length !== pointer.count || buffer.length !== pointer.bytes) {
      throw new ResultMissingError(
        `step ${stepKeyString(key)} of run ${runId}: found ${items.length} of ${pointer.count} parts (${buffer.length} of ${pointer.bytes} bytes)`,
      );
    }
    return JSON.parse(buffer.toString('utf8'));
  }

  private async readResult(runId: string, key: StepKey, item: Item): Promise<unknown> {
    if (typeof item.result_json === 'string') return JSON.parse(item.result_json);
    if (item.result_parts) return this.readParts(runId, key, 'PART', item.result_parts as PartsPointer);
    return undefined;
  }

  /**
   * A finished run's items get `expires_at` (DynamoDB's TTL deletes them later); a run
   * that starts again (resume, retry) loses it. Every item of the run is touched, since
   * TTL works per item; the write is idempotent, so no race needs closing.
   */
  private async applyRetention(run: RunRecord): Promise<RunRecord> {
    const finished = TERMINAL_RUN_STATUSES.includes(run.status);
    if (finished && this.retentionDays === null) return run;
    if (!finished && run.expires_at === undefined) return run;
    const expiresAt = finished ? this.epochSeconds() + (this.retentionDays ?? 0) * DAY_SECONDS : undefined;
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': runPk(run.run_id) },
    });
    await Promise.all(
      items.map((item) => {
        const b = new UpdateBuilder();
        if (expiresAt === undefined) b.remove('expires_at');
        else b.set('expires_at', expiresAt);
        // An item deleted meanwhile must not come back as a stub holding only `expires_at`.
        return this.conditionalUpdate(String(item.pk), String(item.sk), b, `attribute_exists(${b.name('pk')})`);
      }),
    );
    return { ...run, expires_at: expiresAt };
  }
}

function runPk(runId: string): string {
  return `RUN#${runId}`;
}

function stepSk(key: StepKey): string {
  return `STEP#${stepKeyString(key)}`;
}

function partSk(key: StepKey, slot: PartSlot, attempt: number, n: number): string {
  return `${stepSk(key)}#${slot}#${attempt}#${String(n).padStart(4, '0')}`;
}

function approvalSk(key: StepKey): string {
  return `APPROVAL#${stepKeyString(key)}`;
}

function counterSk(key: CounterKey): string {
  return `BARRIER#${key.name}`;
}

function notSucceeded(b: UpdateBuilder): string {
  const status = b.name('status');
  return `attribute_not_exists(${status}) OR ${status} <> ${b.value('succeeded')}`;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

function isConditionFailure(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

function toRun(item: Item): RunRecord {
  return dropUndefined({
    run_id: String(item.run_id),
    workflow: String(item.workflow),
    status: item.status as RunRecord['status'],
    inputs: JSON.parse(String(item.inputs_json ?? '{}')) as Record<string, unknown>,
    trigger: typeof item.trigger_json === 'string' ? JSON.parse(item.trigger_json) : undefined,
    execution_arn: item.execution_arn as string | undefined,
    version: Number(item.version),
    started_at: String(item.started_at),
    ended_at: item.ended_at as string | undefined,
    outputs: typeof item.outputs_json === 'string' ? JSON.parse(item.outputs_json) : undefined,
    error: item.error as RunRecord['error'],
    control: item.control as RunRecord['control'],
    expires_at: item.expires_at === undefined ? undefined : Number(item.expires_at),
  });
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

function toApproval(item: Item): ApprovalRecord {
  return dropUndefined({
    run_id: String(item.run_id),
    step: String(item.step),
    token: String(item.token),
    message: String(item.message ?? ''),
    requested_at: String(item.requested_at),
    timeout_at: item.timeout_at as string | undefined,
    outputs_spec: item.outputs_spec as OutputsSpec | undefined,
    decision: item.decision as ApprovalDecision | undefined,
    comment: item.comment as string | undefined,
    decided_by: item.decided_by as string | undefined,
    decided_at: item.decided_at as string | undefined,
  });
}

function toCounter(item: Item): CounterState {
  return dropUndefined({
    remaining: Number(item.remaining),
    token: item.token as string | undefined,
    waiter: typeof item.waiter_json === 'string' ? JSON.parse(item.waiter_json) : undefined,
  });
}

function dropUndefined<T extends object>(record: T): T {
  for (const key of Object.keys(record) as Array<keyof T>) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}
