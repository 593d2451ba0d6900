import { Duration, Validations } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantItems, NOTIFICATION_ITEMS, TENANT_ITEMS, WEBHOOK_ITEMS } from './data-table';
import { HeraldFunction } from './herald-function';

/** Attributes of a webhook item the events function may read: never the secrets. */
export const WEBHOOK_ROUTING_ATTRIBUTES = ['pk', 'sk', 'id', 'tenantId', 'events', 'enabled'];
/** DynamoDB actions of the api function on the tenant's webhook items. */
export const WEBHOOK_API_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;
/** Webhook sender timeout: a batch of 10 endpoints at 5 s each, sent concurrently. */
export const WEBHOOK_SENDER_TIMEOUT = Duration.seconds(30);
/** Stream batches retried this often (bisected on error) before going to the failure queue. */
export const STREAM_RETRY_ATTEMPTS = 10;
const PERIOD = Duration.minutes(5);

/** Props of DeliveryEvents. */
export interface DeliveryEventsProps {
  /** Herald's table, with a NEW_AND_OLD_IMAGES stream. */
  readonly table: dynamodb.ITable;
  /** Stage name: the topic is `herald-<stage>-events`. */
  readonly stage: string;
  /** Powertools service name per function (`events`, `webhook-sender`). */
  readonly serviceName: (fn: string) => string;
  /** Log retention of the functions' log groups. */
  readonly logRetention: logs.RetentionDays;
  /** X-Ray active tracing. */
  readonly tracing: boolean;
}

/**
 * Delivery events: the table's stream -> the events function -> the SNS topic and the webhook
 * queue -> the webhook sender -> tenants' endpoints (Standard Webhooks). Each function can touch
 * only its own items: the events function reads delivery states and webhook routing attributes
 * (not secrets); the sender reads webhooks (with secrets, to sign) and writes attempt logs.
 */
export class DeliveryEvents extends Construct {
  /** `herald-<stage>-events`: every event, attributes tenantId, channel, status, type. */
  readonly topic: sns.Topic;
  /** One message per event and subscribed endpoint. */
  readonly webhookQueue: sqs.Queue;
  /** Webhook messages whose retries ran out, or that the sender could not process. */
  readonly webhookDeadLetterQueue: sqs.Queue;
  /** Stream batches the events function gave up on (metadata: shard and sequence numbers). */
  readonly streamFailureQueue: sqs.Queue;
  readonly eventsFunction: HeraldFunction;
  readonly senderFunction: HeraldFunction;
  readonly #table: dynamodb.ITable;
  readonly #senderService: string;

  private get table(): dynamodb.ITable {
    return this.#table;
  }

  constructor(scope: Construct, id: string, props: DeliveryEventsProps) {
    super(scope, id);
    this.#table = props.table;
    this.#senderService = props.serviceName('webhook-sender');
    const queueProps = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true };
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `herald-${props.stage}-events`,
      displayName: 'Herald delivery events',
      enforceSSL: true,
    });
    this.webhookDeadLetterQueue = new sqs.Queue(this, 'WebhookDeadLetterQueue', {
      ...queueProps,
      retentionPeriod: Duration.days(14),
    });
    this.webhookQueue = new sqs.Queue(this, 'WebhookQueue', {
      ...queueProps,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(WEBHOOK_SENDER_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.webhookDeadLetterQueue, maxReceiveCount: 5 },
    });
    this.streamFailureQueue = new sqs.Queue(this, 'StreamFailureQueue', {
      ...queueProps,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.streamFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter destination: the on-failure destination of the events stream mapping (records Lambda gave up on, by shard and sequence number). Nothing consumes it; an alarm fires on any message.',
    });

    this.eventsFunction = new HeraldFunction(this, 'Events', {
      handlerName: 'events',
      serviceName: props.serviceName('events'),
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      tracing: props.tracing,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENTS_TOPIC_ARN: this.topic.topicArn,
        WEBHOOK_QUEUE_URL: this.webhookQueue.queueUrl,
        WEBHOOK_CACHE_SECONDS: '30',
      },
    });
    const events = this.eventsFunction.fn;
    events.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(this.streamFailureQueue),
        // Only delivery and webhook items make events; notification content, keys and attempt
        // logs never invoke the function.
        filters: [
          FilterCriteria.filter({
            dynamodb: { Keys: { sk: { S: FilterRule.beginsWith('DELIVERY#') } } },
          }),
          FilterCriteria.filter({
            dynamodb: { Keys: { sk: { S: FilterRule.beginsWith('WEBHOOK#') } } },
          }),
          // Workflow runs (pk WFRUN#, sk RUN): workflow.run.* and workflow.step.* events.
          FilterCriteria.filter({ dynamodb: { Keys: { sk: { S: ['RUN'] } } } }),
          // Recipient profiles: address health and one-click opt-outs (core/recipients/events.ts).
          FilterCriteria.filter({ dynamodb: { Keys: { sk: { S: ['PROFILE'] } } } }),
          // Topic sends: the end of a fan-out (core/topics/events.ts).
          FilterCriteria.filter({ dynamodb: { Keys: { sk: { S: ['FANOUT'] } } } }),
        ],
      }),
    );
    // The completion check reads delivery states of a notification.
    grantItems(events, props.table, ['dynamodb:Query'], NOTIFICATION_ITEMS);
    // Webhook routing: the list of a tenant's webhooks, only the attributes that route.
    events.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TENANT_ITEMS] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': WEBHOOK_ROUTING_ATTRIBUTES },
          StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
    this.topic.grantPublish(events);
    Validations.of(this.eventsFunction.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams (added by the DynamoDB event source) has no resource-level permissions; every other stream action is scoped to the table stream ARN.',
    });
    this.webhookQueue.grant(events, 'sqs:SendMessage');

    this.senderFunction = new HeraldFunction(this, 'WebhookSender', {
      handlerName: 'webhook-sender',
      serviceName: props.serviceName('webhook-sender'),
      timeout: WEBHOOK_SENDER_TIMEOUT,
      logRetention: props.logRetention,
      tracing: props.tracing,
      environment: {
        TABLE_NAME: props.table.tableName,
        WEBHOOK_QUEUE_URL: this.webhookQueue.queueUrl,
        WEBHOOK_DLQ_URL: this.webhookDeadLetterQueue.queueUrl,
        // Deployed: https to public addresses only (the defaults, stated for the reader).
        WEBHOOK_ALLOW_HTTP: 'false',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false',
      },
    });
    const sender = this.senderFunction.fn;
    sender.addEventSource(
      new SqsEventSource(this.webhookQueue, {
        batchSize: 10,
        maxConcurrency: 20,
        reportBatchItemFailures: true,
      }),
    );
    grantItems(sender, props.table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], TENANT_ITEMS);
    grantItems(sender, props.table, ['dynamodb:PutItem'], WEBHOOK_ITEMS);
    // Next attempts go back on its own queue; given-up messages to the DLQ.
    this.webhookQueue.grant(sender, 'sqs:SendMessage');
    this.webhookDeadLetterQueue.grant(sender, 'sqs:SendMessage');
  }

  /** The api function's webhook routes: manage the tenant's webhooks, queue test events. */
  grantApi(api: HeraldFunction): void {
    grantItems(api.fn, this.table, WEBHOOK_API_ACTIONS, TENANT_ITEMS);
    grantItems(api.fn, this.table, ['dynamodb:Query'], WEBHOOK_ITEMS);
    this.webhookQueue.grant(api.fn, 'sqs:SendMessage');
  }

  /** Webhook successes, failures, latency; stream health. */
  widgets(): cw.IWidget[] {
    const metric = (name: string, statistic: string = cw.Stats.SUM) =>
      new cw.Metric({
        namespace: 'Herald',
        metricName: name,
        dimensionsMap: { service: this.#senderService },
        period: PERIOD,
        statistic,
        label: `${name}${statistic === cw.Stats.SUM ? '' : ` ${statistic}`}`,
      });
    return [
      new cw.TextWidget({ markdown: '## Events and webhooks', width: 24, height: 1 }),
      new cw.GraphWidget({
        title: 'webhooks: delivered / failed / disabled',
        left: [metric('WebhookDelivered'), metric('WebhookFailed'), metric('WebhookDisabled')],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'webhook latency (ms)',
        left: [metric('WebhookLatency', 'p50'), metric('WebhookLatency', 'p99')],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'events: stream lag (ms) / DLQ depth',
        left: [
          this.eventsFunction.fn.metric('IteratorAge', {
            period: PERIOD,
            statistic: cw.Stats.MAXIMUM,
          }),
        ],
        right: [
          this.webhookDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            label: 'webhook DLQ',
          }),
          this.streamFailureQueue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            label: 'stream failures',
          }),
        ],
        width: 8,
      }),
    ];
  }

  /** Alarms: anything in the webhook DLQ or the stream failure queue. */
  addAlarms(topic: sns.ITopic): cw.Alarm[] {
    const action = new cwActions.SnsAction(topic);
    return [
      ['WebhookDlqAlarm', this.webhookDeadLetterQueue, 'webhook messages gave up (webhook DLQ)'],
      [
        'StreamFailureAlarm',
        this.streamFailureQueue,
        'stream batches the events function gave up on',
      ],
    ].map(([id, queue, what]) => {
      const alarm = new cw.Alarm(this, id as string, {
        alarmDescription: `Herald: ${what}.`,
        metric: (queue as sqs.Queue).metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: cw.Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    });
  }
}
