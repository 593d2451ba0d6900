import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_RECEIVE_COUNT } from '../../functions/core/notifications/model';
import { grantItems, NOTIFICATION_ITEMS, SUPPRESSION_ITEMS } from './data-table';
import { HeraldFunction } from './herald-function';

/** The SES events Herald records (every other type is left out at the source). */
export const SES_FEEDBACK_EVENTS = [
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.RENDERING_FAILURE,
  ses.EmailSendingEvent.DELIVERY_DELAY,
] as const;

const FEEDBACK_TIMEOUT = Duration.seconds(30);

/** Props of SesFeedback. */
export interface SesFeedbackProps {
  /** Herald's table: deliveries are updated, suppressions written. */
  readonly table: dynamodb.ITable;
  /** Powertools service name of the feedback function. */
  readonly serviceName: string;
  /** Log retention of the feedback function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Name of the configuration set. @default CloudFormation names it */
  readonly configurationSetName?: string;
  /** X-Ray active tracing on the feedback function. */
  readonly tracing: boolean;
}

/**
 * Hearing back from SES: the configuration set every email is sent with, its event destination
 * (an SNS topic SES alone may publish to, for this configuration set), a queue subscribed with
 * raw delivery (so each message is the SES event itself), and the feedback function consuming it
 * with partial batch responses; what fails 5 times lands in the feedback DLQ.
 */
export class SesFeedback extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  /** The configuration set's name, for SES_CONFIGURATION_SET. */
  readonly configurationSetName: string;
  /** Its ARN, for the email function's ses:SendEmail resource list. */
  readonly configurationSetArn: string;
  readonly topic: sns.Topic;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: HeraldFunction;

  constructor(scope: Construct, id: string, props: SesFeedbackProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      ...(props.configurationSetName && { configurationSetName: props.configurationSetName }),
    });
    this.configurationSetName =
      props.configurationSetName ?? this.configurationSet.configurationSetName;
    this.configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSetName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.topic = new sns.Topic(this, 'Events', { enforceSSL: true });
    // SES publishes for this account's configuration set only (confused-deputy guard).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'AWS:SourceAccount': stack.account },
          ArnLike: { 'AWS:SourceArn': this.configurationSetArn },
        },
      }),
    );
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'SNS keeps nothing at rest: it hands each SES event to the one subscriber queue at once, and that queue is encrypted (SQS-managed). Encrypting the topic would need a CMK ($1/month) with a key policy for ses.amazonaws.com, since SES cannot use the aws/sns key.',
    });
    this.configurationSet.addEventDestination('Feedback', {
      destination: ses.EventDestination.snsTopic(this.topic),
      events: [...SES_FEEDBACK_EVENTS],
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(FEEDBACK_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.topic.addSubscription(
      new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true }),
    );

    this.function = new HeraldFunction(this, 'Function', {
      handlerName: 'feedback',
      serviceName: props.serviceName,
      timeout: FEEDBACK_TIMEOUT,
      logRetention: props.logRetention,
      environment: { TABLE_NAME: props.table.tableName },
      tracing: props.tracing,
    });
    this.function.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxConcurrency: 5,
        reportBatchItemFailures: true,
      }),
    );
    // Deliveries: read (report on a condition failure) and conditional update; suppressions: put.
    grantItems(
      this.function.fn,
      props.table,
      ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      NOTIFICATION_ITEMS,
    );
    grantItems(this.function.fn, props.table, ['dynamodb:PutItem'], SUPPRESSION_ITEMS);
  }

  /** Dashboard row: SES events applied / stale / ignored, suppressions, errors, DLQ depth. */
  widgets(serviceName: string): cw.IWidget[] {
    const period = Duration.minutes(5);
    const metric = (name: string) =>
      new cw.Metric({
        namespace: 'Herald',
        metricName: name,
        dimensionsMap: { service: serviceName },
        period,
        statistic: cw.Stats.SUM,
        label: name,
      });
    return [
      new cw.TextWidget({ markdown: '## SES feedback', width: 24, height: 1 }),
      new cw.GraphWidget({
        title: 'SES events: applied / stale / ignored, recipients suppressed',
        left: [
          metric('FeedbackApplied'),
          metric('FeedbackStale'),
          metric('FeedbackIgnored'),
          metric('RecipientsSuppressed'),
        ],
        width: 12,
      }),
      new cw.GraphWidget({
        title: 'feedback function errors / feedback DLQ depth',
        left: [this.function.fn.metricErrors({ period, label: 'errors' })],
        right: [
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period,
            label: 'feedback DLQ',
          }),
        ],
        width: 12,
      }),
    ];
  }
}
