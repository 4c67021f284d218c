/**
 * The checkpoint store's one table, declared from the runtime's own
 * `tableDefinition()` so the stack and the code never disagree on keys or the
 * GSI. The stack adds what CreateTable cannot say: TTL on `expires_at` and
 * point-in-time recovery.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BY_WORKFLOW_INDEX, tableDefinition } from '../functions/runtime/store/table.ts';

/** The attribute DynamoDB's TTL reads: the runtime sets it on a finished run's items. */
export const TTL_ATTRIBUTE = 'expires_at';

/** The item operations the runtime performs (get, put, conditional update, query); no Lambda scans the table. */
const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:Query',
];

export interface BatonTableProps {
  /** Keep the table, with deletion protection, when the stack is deleted. */
  retain: boolean;
}

export class BatonTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: BatonTableProps) {
    super(scope, id);
    const definition = tableDefinition('unused');
    const typeOf = (name: string): AttributeType => {
      const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
      if (type === 'S') return AttributeType.STRING;
      if (type === 'N') return AttributeType.NUMBER;
      if (type === 'B') return AttributeType.BINARY;
      throw new Error(`Baton: tableDefinition() declares no type for key attribute ${name}`);
    };
    const keysOf = (schema: Array<{ AttributeName?: string; KeyType?: string }> = []) => {
      const key = (kind: string): Attribute | undefined => {
        const name = schema.find((k) => k.KeyType === kind)?.AttributeName;
        return name ? { name, type: typeOf(name) } : undefined;
      };
      const partitionKey = key('HASH');
      if (!partitionKey) throw new Error('Baton: tableDefinition() has a key schema without a HASH key');
      return { partitionKey, sortKey: key('RANGE') };
    };

    this.table = new Table(this, 'Table', {
      ...keysOf(definition.KeySchema),
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.DEFAULT,
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      if (index.Projection?.ProjectionType !== 'ALL') throw new Error(`Baton: index ${index.IndexName} projects ${index.Projection?.ProjectionType}; the stack only declares ALL`);
      this.table.addGlobalSecondaryIndex({ indexName: index.IndexName!, ...keysOf(index.KeySchema) });
    }
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** The item actions on the table and on its `by-workflow` index only (no `index/*`). */
  grantItems(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ITEM_ACTIONS, resources: [this.table.tableArn, `${this.table.tableArn}/index/${BY_WORKFLOW_INDEX}`] }),
    );
  }
}
