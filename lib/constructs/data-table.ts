import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Props of DataTable. */
export interface DataTableProps {
  /**
   * What happens to the table when it leaves the stack. RETAIN also turns on deletion
   * protection; DESTROY (dev stacks) leaves it off so `cdk destroy` can delete the table.
   * @default RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Herald's single table (docs/architecture.md): notifications, deliveries and hashed API keys.
 * On-demand, point-in-time recovery, deletion protection (unless destroyable), AWS-managed
 * encryption, TTL on `expiresAt`, GSI `gsi1` for listing API keys.
 */
export class DataTable extends Construct {
  /** The DynamoDB table. */
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DataTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
      // Neither a console click nor a stray DeleteTable call removes the data.
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}

/** Partition-key patterns: a function may touch only the items of its own kind. */
export const NOTIFICATION_ITEMS = 'NOTIF#*';
export const API_KEY_ITEMS = 'APIKEY#*';

/**
 * Grants item actions on the table (not its indexes), limited by `dynamodb:LeadingKeys` to items
 * whose partition key matches `leadingKeys`: the delivery functions can never create or revive
 * an API key, and the authorizer can never read notification content.
 */
export function grantItems(
  grantee: iam.IGrantable,
  table: dynamodb.ITable,
  actions: readonly string[],
  leadingKeys: string,
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [...actions],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [leadingKeys] } },
    }),
  );
}
