import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { HeraldFunction } from './herald-function';

/** Props of IdempotencyTable. */
export interface IdempotencyTableProps {
  /** What happens to the table when it leaves the stack. @default DESTROY (records live 24 h) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Where `Idempotency-Key` answers are kept for 24 hours (Powertools idempotency's own layout:
 * partition key `id`, TTL on `expiration`). A table of its own, so that the notification table's
 * IAM conditions (leading keys) and item shapes stay untouched.
 */
export class IdempotencyTable extends Construct {
  /** The DynamoDB table. */
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiration',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /** The api function's variable naming the table. */
  get apiEnvironment(): Record<string, string> {
    return { IDEMPOTENCY_TABLE_NAME: this.table.tableName };
  }

  /** The item actions Powertools' DynamoDB persistence layer uses, on this table only. */
  grantUse(grantee: HeraldFunction): void {
    iam.Grant.addToPrincipal({
      grantee: grantee.fn,
      actions: [
        'dynamodb:PutItem',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      resourceArns: [this.table.tableArn],
    });
  }
}
