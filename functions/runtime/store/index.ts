/**
 * The checkpoint store: every run's state in one DynamoDB table (table.ts has
 * the layout), one module per record type. The state machine carries only small,
 * declared outputs; this table holds the rest.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ApprovalStore } from './approvals.ts';
import { BarrierStore } from './barriers.ts';
import { GroupStore } from './groups.ts';
import { CheckRunStore } from './check-runs.ts';
import { DeliveryStore } from './deliveries.ts';
import { Parts } from './parts.ts';
import { PullRequestStore } from './pull-requests.ts';
import { RunStore } from './runs.ts';
import { StepStore } from './steps.ts';
import { Table } from './table.ts';
import { TokenStore } from './tokens.ts';
import { ValueStore } from './values.ts';

export interface CheckpointStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long a finished run's items stay before DynamoDB's TTL removes them; `null` keeps them. Default 30. */
  retentionDays?: number | null;
  now?: () => Date;
  /** Override of the inline limit (and of the part size) for large values, for tests. */
  inlineLimitBytes?: number;
}

export class CheckpointStore {
  readonly tableName: string;
  readonly runs: RunStore;
  readonly steps: StepStore;
  readonly approvals: ApprovalStore;
  readonly barriers: BarrierStore;
  readonly values: ValueStore;
  readonly tokens: TokenStore;
  readonly groups: GroupStore;
  /** GitHub webhook deliveries already handled (or being handled). */
  readonly deliveries: DeliveryStore;
  /** The GitHub check run that shows each run started from a commit. */
  readonly checkRuns: CheckRunStore;
  /** The runs each pull request started. */
  readonly pullRequests: PullRequestStore;
  private readonly table: Table;

  constructor(options: CheckpointStoreOptions) {
    this.table = new Table({ client: options.client, name: options.tableName, now: options.now, retentionDays: options.retentionDays });
    this.tableName = options.tableName;
    this.runs = new RunStore(this.table);
    this.steps = new StepStore(this.table, new Parts(this.table, options.inlineLimitBytes));
    this.approvals = new ApprovalStore(this.table);
    this.values = new ValueStore(this.table);
    this.barriers = new BarrierStore(this.table, this.values);
    this.tokens = new TokenStore(this.table);
    this.groups = new GroupStore(this.table);
    this.deliveries = new DeliveryStore(this.table);
    this.checkRuns = new CheckRunStore(this.table);
    this.pullRequests = new PullRequestStore(this.table);
  }

  /** Creates the table unless it exists, and waits until it is ACTIVE. For local use. */
  createTableIfMissing(): Promise<void> {
    return this.table.createIfMissing();
  }
}

export { tableDefinition, BY_WORKFLOW_INDEX } from './table.ts';
export { INLINE_LIMIT_BYTES } from './parts.ts';
export * from './records.ts';
export type { Claim, DeliveryRecord, DeliveryState } from './deliveries.ts';
export type { CheckRunLink } from './check-runs.ts';
export type { PullRequestRun } from './pull-requests.ts';
