import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  RECONCILE_INDEX,
  TENANT_INDEX,
  TENANT_INDEX_PK,
  TENANT_INDEX_PROJECTION,
  TENANT_INDEX_SK,
} from '../../functions/adapters/dynamodb/items';

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
 * encryption, TTL on `expiresAt`, GSI `gsi1` for listing API keys, GSI `byTenant` listing a
 * tenant's notifications by creation time (only the summary attributes projected, never content).
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
      // Delivery events are derived from recorded changes (old and new image of each write).
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
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
    this.table.addGlobalSecondaryIndex({
      indexName: TENANT_INDEX,
      partitionKey: { name: TENANT_INDEX_PK, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TENANT_INDEX_SK, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...TENANT_INDEX_PROJECTION],
    });
    // The reconciler's open-work index: sparse (only notification items carry rpk/rsk), small
    // (keys, sendAt, priority), so each notification costs one index write, not its content.
    this.table.addGlobalSecondaryIndex({
      indexName: RECONCILE_INDEX,
      partitionKey: { name: 'rpk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'rsk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['sendAt', 'priority'],
    });
  }
}

/** Partition-key patterns: a function may touch only the items of its own kind. */
export const NOTIFICATION_ITEMS = 'NOTIF#*';
/** Partition keys of the `byTenant` index (querying an index, LeadingKeys is its partition key). */
export const TENANT_INDEX_ITEMS = 'TENANT#*';
export const API_KEY_ITEMS = 'APIKEY#*';
/** The reconciler's own progress item and the partitions of its index. */
export const RECONCILER_ITEMS = 'RECONCILER';
export const RECONCILE_INDEX_PARTITIONS = 'RECONCILE#*';
/** A tenant's own items (its webhooks, with their signing secrets). */
export const TENANT_ITEMS = 'TENANT#*';
/** Webhook attempt logs. */
export const WEBHOOK_ITEMS = 'WEBHOOK#*';
/** A tenant's suppression list (functions/adapters/dynamodb/suppression-store.ts). */
export const SUPPRESSION_ITEMS = 'SUPP#*';

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

/**
 * Grants Query on one index, limited by `dynamodb:LeadingKeys` (on an index query, the index's
 * partition key) to partitions matching `leadingKeys`.
 */
export function grantIndexQuery(
  grantee: iam.IGrantable,
  table: dynamodb.ITable,
  indexName: string,
  leadingKeys: string,
): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [`${table.tableArn}/index/${indexName}`],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [leadingKeys] } },
    }),
  );
}
