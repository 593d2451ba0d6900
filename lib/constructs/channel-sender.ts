import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type Channel,
  LEASE_SECONDS,
  MAX_RECEIVE_COUNT,
  SENDER_TIMEOUT_SECONDS,
  VISIBILITY_TIMEOUT_SECONDS,
} from '../../functions/core/notifications/model';
import type { ChannelTuning } from '../config';
import { grantItems, NOTIFICATION_ITEMS, SUPPRESSION_ITEMS } from './data-table';
import { HeraldFunction } from './herald-function';

/** Receives before a message moves to the DLQ; the functions use the same constant. */
export { MAX_RECEIVE_COUNT };
/**
 * Channel function timeout; the queue's visibility timeout (6x) and the delivery lease derive
 * from it in functions/core/notifications/model.ts, the one place attempt timing is decided.
 */
export const SENDER_TIMEOUT = Duration.seconds(SENDER_TIMEOUT_SECONDS);
/** First retry delay in AWS; doubles per receive up to RETRY_MAX_SECONDS. */
export const RETRY_BASE_SECONDS = 30;
/** Longest retry delay (ChangeMessageVisibility). */
export const RETRY_MAX_SECONDS = 900;

/** Props of ChannelSender. */
export interface ChannelSenderProps {
  /** The channel this sender delivers. */
  readonly channel: Channel;
  /** Herald's table: the function reads notifications and updates deliveries. */
  readonly table: dynamodb.ITable;
  /** Event source and in-function concurrency. */
  readonly tuning: ChannelTuning;
  /** Powertools service name (also the `service` metric dimension). */
  readonly serviceName: string;
  /** Log retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** The provider secret this channel reads and the env variable carrying its ARN. */
  readonly secret?: { readonly secret: secretsmanager.ISecret; readonly env: string };
  /** Channel-specific environment (EMAIL_FROM, IOT_DATA_ENDPOINT, ...). */
  readonly environment?: Record<string, string>;
  /** Provider permissions beyond the secret (ses:SendEmail, iot:Publish), already scoped. */
  readonly providerStatements?: iam.PolicyStatement[];
  /** X-Ray active tracing on the function. */
  readonly tracing: boolean;
}

/**
 * One channel's delivery path: two SQS queues (normal and high-priority lane) sharing one DLQ,
 * and the send-<channel> function consuming both with partial batch responses and a concurrency
 * cap per lane that respects the provider's limits.
 */
export class ChannelSender extends Construct {
  /** The channel delivered. */
  readonly channel: Channel;
  /** The function's POWERTOOLS_SERVICE_NAME. */
  readonly serviceName: string;
  /** Work queue of the normal lane (QUEUE_URL_<CHANNEL>). */
  readonly queue: sqs.Queue;
  /** Work queue of the high-priority lane (HIGH_QUEUE_URL_<CHANNEL>); same settings and DLQ. */
  readonly highQueue: sqs.Queue;
  /** Messages that failed MAX_RECEIVE_COUNT times, from either lane. */
  readonly deadLetterQueue: sqs.Queue;
  /** The send-<channel> function. */
  readonly function: HeraldFunction;

  /** Both lanes' work queues, normal first. */
  get queues(): readonly sqs.Queue[] {
    return [this.queue, this.highQueue];
  }

  constructor(scope: Construct, id: string, props: ChannelSenderProps) {
    super(scope, id);
    this.channel = props.channel;
    this.serviceName = props.serviceName;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // Both lanes share every setting and the DLQ; only their event sources differ.
    const laneProps: sqs.QueueProps = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    };
    this.queue = new sqs.Queue(this, 'Queue', laneProps);
    this.highQueue = new sqs.Queue(this, 'HighQueue', laneProps);

    const environment: Record<string, string> = {
      TABLE_NAME: props.table.tableName,
      // Same name as on the api function, so all channel handlers can share one process locally.
      [`QUEUE_URL_${props.channel.toUpperCase()}`]: this.queue.queueUrl,
      [`HIGH_QUEUE_URL_${props.channel.toUpperCase()}`]: this.highQueue.queueUrl,
      MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
      RETRY_BASE_SECONDS: String(RETRY_BASE_SECONDS),
      RETRY_MAX_SECONDS: String(RETRY_MAX_SECONDS),
      // Never shorter than the visibility timeout, longer than any attempt (see model.ts).
      LEASE_SECONDS: String(LEASE_SECONDS),
      SEND_CONCURRENCY: String(props.tuning.sendConcurrency),
      // The most instances at once (both lanes): a fast sender's per-instance share is rate / this.
      SENDER_MAX_CONCURRENCY: String(props.tuning.maxConcurrency + props.tuning.highMaxConcurrency),
      SENDER_BATCH_SIZE: String(props.tuning.batchSize),
      ...props.environment,
    };
    if (props.secret) environment[props.secret.env] = props.secret.secret.secretArn;

    this.function = new HeraldFunction(this, 'Sender', {
      handlerName: `send-${props.channel}`,
      serviceName: props.serviceName,
      timeout: SENDER_TIMEOUT,
      logRetention: props.logRetention,
      environment,
      tracing: props.tracing,
    });
    const fn = this.function.fn;

    // Receive/Delete/ChangeMessageVisibility/GetQueueAttributes on its own two queues only. Each
    // lane has its own event source and concurrency cap, so a normal backlog never holds up the
    // high lane.
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.tuning.batchSize,
        maxConcurrency: props.tuning.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    fn.addEventSource(
      new SqsEventSource(this.highQueue, {
        batchSize: props.tuning.batchSize,
        maxConcurrency: props.tuning.highMaxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    // Exact table ARN: Table.grant() would add `<table>/index/*`, which channels never use.
    grantItems(fn, props.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], NOTIFICATION_ITEMS);
    // The suppression check (one BatchGetItem per batch) and suppressing a recipient the
    // provider says is gone (an unregistered push token, a number that replied STOP).
    grantItems(fn, props.table, ['dynamodb:BatchGetItem', 'dynamodb:PutItem'], SUPPRESSION_ITEMS);
    if (props.secret) {
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['secretsmanager:GetSecretValue'],
        resourceArns: [props.secret.secret.secretArn],
      });
    }
    for (const statement of props.providerStatements ?? []) fn.addToRolePolicy(statement);
  }
}
