import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FANOUT_OPEN } from '../../functions/adapters/dynamodb/fanout-store';
import { RECONCILE_INDEX } from '../../functions/adapters/dynamodb/items';
import {
  MEMBERSHIP_ITEMS,
  SUBSCRIBER_ITEMS,
  TOPIC_ITEMS,
} from '../../functions/adapters/dynamodb/topic-store';
import type { Channel } from '../../functions/core/notifications/model';
import type { ChannelSender } from './channel-sender';
import { grantItems, NOTIFICATION_ITEMS } from './data-table';
import { HeraldFunction } from './herald-function';
import { CATEGORY_ITEMS, PROFILE_ITEMS } from './recipients';

/*
 * Topics (functions/core/topics; keys: functions/adapters/dynamodb/topic-store.ts): their routes
 * on the manage function, the fan-out queue and function of topic sends, and the grants of every
 * function that uses them.
 */

/** How long one page may take (1,000 subscribers: reads, ~1,000 conditional creates, enqueue). */
const FANOUT_TIMEOUT = Duration.seconds(60);

/** Props of Topics. */
export interface TopicsProps {
  readonly table: dynamodb.ITable;
  /** The `/v1` resource of the REST API. */
  readonly v1: apigw.IResource;
  /** The method options of keyed routes (the API-key authorizer, usage plan). */
  readonly secured: apigw.MethodOptions;
  /** Accepts topic sends (POST /v1/notifications). */
  readonly apiFunction: HeraldFunction;
  /** Serves the topic routes (lib/constructs/management.ts). */
  readonly manageFunction: HeraldFunction;
  /** The channel senders: the fan-out enqueues deliveries on their lanes. */
  readonly senders: ReadonlyMap<Channel, ChannelSender>;
  /** The events function: it reads a fan-out's state for the completion check. */
  readonly eventsFunction: HeraldFunction;
  readonly dataRetentionDays: number;
  /** The tenants' MQTT namespace prefix (when MQTT is enabled). */
  readonly mqttTopicPrefix?: string;
  readonly logRetention: logs.RetentionDays;
  readonly serviceName: string;
  readonly tracing: boolean;
}

/** Topic management routes, the fan-out queue (+ DLQ) and the fan-out function. */
export class Topics extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: HeraldFunction;

  constructor(scope: Construct, id: string, props: TopicsProps) {
    super(scope, id);
    const { table, apiFunction } = props;
    const queueProps = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.deadLetterQueue = new sqs.Queue(this, 'FanoutDeadLetterQueue', {
      ...queueProps,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'FanoutQueue', {
      ...queueProps,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(FANOUT_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    const fanoutEnv = {
      FANOUT_QUEUE_URL: this.queue.queueUrl,
      FANOUT_PAGE_SIZE: '1000',
      FANOUT_STALL_SECONDS: '300',
    };
    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      DATA_RETENTION_DAYS: String(props.dataRetentionDays),
      ...fanoutEnv,
      ...(props.mqttTopicPrefix !== undefined && { MQTT_TOPIC_PREFIX: props.mqttTopicPrefix }),
    };
    for (const [channel, sender] of props.senders) {
      environment[`QUEUE_URL_${channel.toUpperCase()}`] = sender.queue.queueUrl;
      environment[`HIGH_QUEUE_URL_${channel.toUpperCase()}`] = sender.highQueue.queueUrl;
    }
    this.function = new HeraldFunction(this, 'FanoutFunction', {
      handlerName: 'fan-out',
      serviceName: props.serviceName,
      timeout: FANOUT_TIMEOUT,
      memorySize: 1024,
      logRetention: props.logRetention,
      environment,
      tracing: props.tracing,
    });
    const fn = this.function.fn;
    // One page per invocation; pages of different topic sends run side by side.
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 1,
        maxConcurrency: 50,
        reportBatchItemFailures: true,
      }),
    );
    // The checkpoint and the deliveries it creates (conditional puts), the notification's tenant.
    grantItems(
      fn,
      table,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      NOTIFICATION_ITEMS,
    );
    grantItems(fn, table, ['dynamodb:Query'], `${SUBSCRIBER_ITEMS}*`);
    grantItems(fn, table, ['dynamodb:BatchGetItem'], PROFILE_ITEMS);
    grantItems(fn, table, ['dynamodb:GetItem'], CATEGORY_ITEMS);
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['sqs:SendMessage'],
      resourceArns: [
        ...[...props.senders.values()].flatMap((s) => s.queues.map((q) => q.queueArn)),
        this.queue.queueArn,
      ],
    });

    // The manage function: topics and subscriptions. The api: a topic send reads its topic and
    // queues its first page.
    grantTopicManagement(props.manageFunction.fn, table);
    grantItems(apiFunction.fn, table, ['dynamodb:GetItem'], `${TOPIC_ITEMS}*`);
    for (const [name, value] of Object.entries(fanoutEnv))
      apiFunction.fn.addEnvironment(name, value);
    this.queue.grant(apiFunction.fn, 'sqs:SendMessage');
    // The events function: a running fan-out holds back the notification's completion.
    grantItems(props.eventsFunction.fn, table, ['dynamodb:GetItem'], NOTIFICATION_ITEMS);

    const integration = new apigw.LambdaIntegration(props.manageFunction.fn, {
      proxy: true,
      allowTestInvoke: false,
    });
    const { secured } = props;
    const topics = props.v1.addResource('topics');
    topics.addMethod('GET', integration, secured);
    const topic = topics.addResource('{key}');
    topic.addMethod('PUT', integration, secured);
    const subscribers = topic.addResource('subscribers');
    subscribers.addMethod('GET', integration, secured);
    subscribers.addMethod('POST', integration, secured);
    subscribers.addResource('{id}').addMethod('DELETE', integration, secured);
  }

  /** The reconciler re-sends the page of a fan-out whose checkpoint stopped moving. */
  grantReconciler(reconciler: HeraldFunction, table: dynamodb.ITable): void {
    const fn = reconciler.fn;
    fn.addEnvironment('FANOUT_QUEUE_URL', this.queue.queueUrl);
    fn.addEnvironment('FANOUT_STALL_SECONDS', '300');
    grantItems(fn, table, ['dynamodb:GetItem'], NOTIFICATION_ITEMS);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${RECONCILE_INDEX}`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [FANOUT_OPEN] } },
      }),
    );
    this.queue.grant(fn, 'sqs:SendMessage');
  }
}

/** The manage function: topics, subscriptions and memberships (a recipient's erase clears them). */
export function grantTopicManagement(grantee: iam.IGrantable, table: dynamodb.ITable): void {
  const topicActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];
  grantItems(grantee, table, topicActions, `${TOPIC_ITEMS}*`);
  const write = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:Query'];
  grantItems(grantee, table, write, `${SUBSCRIBER_ITEMS}*`);
  grantItems(grantee, table, write, `${MEMBERSHIP_ITEMS}*`);
}
