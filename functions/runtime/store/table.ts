/**
 * The one DynamoDB table behind the checkpoint store: its definition, how items
 * are keyed, and the few operations every record type shares. Writes that race
 * are conditional, never read-then-write; each condition says which race it
 * closes where it is written, and a `ConditionalCheckFailedException` becomes a
 * domain error (errors.ts) right there, through `putNew` and `updateWhere`.
 *
 * | item | pk | sk |
 * | --- | --- | --- |
 * | run | `RUN#<id>` | `RUN` |
 * | step checkpoint | `RUN#<id>` | `STEP#<step>[#<index>]` |
 * | result part | `RUN#<id>` | `STEP#<step>[#<index>]#PART#<attempt>#<n>` (outputs: `#OUTPART#`) |
 * | approval | `RUN#<id>` | `APPROVAL#<step>[#<index>]` |
 * | barrier counter | `RUN#<id>` | `BARRIER#<attempt>#<step>` |
 * | run-scoped value | `RUN#<id>` | `VALUE#<name>` |
 * | local task token | `TOKEN#<token>` | `TOKEN` |
 * | webhook delivery | `DELIVERY#<id>` | `DELIVERY` |
 * | GitHub check run of a run | `RUN#<id>` | `CHECK` |
 * | a pull request's run | `PR#<owner/repo>#<number>` | `RUN#<id>` |
 *
 * User values (inputs, results, outputs) are stored as JSON text: DynamoDB maps
 * stop at 32 levels of nesting and numbers at 38 digits, and a user's JSON must
 * come back exactly as it went in.
 */
import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { stepKeyString, type StepKey } from '../../../compiler/contract/index.ts';
import type { UpdateBuilder } from './update-expression.ts';

/** The GSI that lists a workflow's runs, newest first. */
export const BY_WORKFLOW_INDEX = 'by-workflow';

export type Item = Record<string, unknown>;

export const keys = {
  run: (runId: string) => `RUN#${runId}`,
  step: (key: StepKey) => `STEP#${stepKeyString(key)}`,
  approval: (key: StepKey) => `APPROVAL#${stepKeyString(key)}`,
  barrier: (name: string) => `BARRIER#${name}`,
  value: (name: string) => `VALUE#${name}`,
  token: (token: string) => `TOKEN#${token}`,
  delivery: (id: string) => `DELIVERY#${id}`,
  checkRun: 'CHECK',
  pullRequest: (repository: string, number: number) => `PR#${repository.toLowerCase()}#${number}`,
};

/**
 * The table as CreateTable wants it: the CDK stack declares the same keys and
 * index (plus TTL on `expires_at` and point-in-time recovery, which CreateTable
 * cannot set), and the local engine creates it in dynalite.
 */
export function tableDefinition(name: string): CreateTableCommandInput {
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

/** What every record type's module works with: the client, the table, the clock. */
export class Table {
  readonly client: DynamoDBDocumentClient;
  readonly name: string;
  readonly now: () => Date;
  /** How long a finished run's items stay before DynamoDB's TTL removes them; `null` keeps them. */
  readonly retentionDays: number | null;

  constructor(options: { client: DynamoDBDocumentClient; name: string; now?: () => Date; retentionDays?: number | null }) {
    this.client = options.client;
    this.name = options.name;
    this.now = options.now ?? (() => new Date());
    this.retentionDays = options.retentionDays === undefined ? 30 : options.retentionDays;
  }

  timestamp(): string {
    return this.now().toISOString();
  }

  epochSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  /** Creates the table unless it exists, and waits until it is ACTIVE. For local use. */
  async createIfMissing(): Promise<void> {
    try {
      await this.client.send(new CreateTableCommand(tableDefinition(this.name)));
    } catch (error) {
      // Another process (a second `baton run` on the same store) may have created it first.
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
    for (let i = 0; i < 600; i++) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.name }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`table ${this.name} did not become ACTIVE`);
  }

  async get(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.name, Key: { pk, sk }, ConsistentRead: true }));
    return result.Item;
  }

  async put(item: Item): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.name, Item: item }));
  }

  /**
   * Writes an item that must not exist yet; `exists()` is the domain error when it
   * does. The caller's comment says which race the condition closes.
   */
  async putNew(item: Item, exists: () => Error): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (isConditionFailure(error)) throw exists();
      throw error;
    }
  }

  /**
   * An UpdateItem under `condition`, answering the item as it is now. When the
   * condition fails, `refused()` says why as a domain error (it may read the item);
   * without `refused`, the answer is undefined.
   */
  async updateWhere(pk: string, sk: string, b: UpdateBuilder, condition: string | undefined, refused?: () => Promise<Error> | Error): Promise<Item | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({ TableName: this.name, Key: { pk, sk }, ...b.build(condition), ReturnValues: 'ALL_NEW' }),
      );
      return result.Attributes;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (refused) throw await refused();
      return undefined;
    }
  }

  /**
   * An UpdateItem under `condition` that answers what the item was before: whether
   * it was written, and the old item (undefined when there was none). For claims
   * that need to know whether they took something over.
   */
  async updateWhereReturningOld(pk: string, sk: string, b: UpdateBuilder, condition: string): Promise<{ written: boolean; old?: Item }> {
    try {
      const result = await this.client.send(new UpdateCommand({ TableName: this.name, Key: { pk, sk }, ...b.build(condition), ReturnValues: 'ALL_OLD' }));
      return { written: true, ...(result.Attributes ? { old: result.Attributes } : {}) };
    } catch (error) {
      if (isConditionFailure(error)) return { written: false };
      throw error;
    }
  }

  async query(input: { KeyConditionExpression: string; FilterExpression?: string; ExpressionAttributeValues: Record<string, unknown> }): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ TableName: this.name, ConsistentRead: true, ExclusiveStartKey: start, ...input }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Every item under one partition whose sort key starts with `prefix`. */
  async itemsOf(pk: string, prefix = ''): Promise<Item[]> {
    return prefix
      ? this.query({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix } })
      : this.query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } });
  }
}

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

export function isConditionFailure(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

export function dropUndefined<T extends object>(record: T): T {
  for (const key of Object.keys(record) as Array<keyof T>) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}

export function parseJson(text: unknown): unknown {
  return typeof text === 'string' ? JSON.parse(text) : undefined;
}
