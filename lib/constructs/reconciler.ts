import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { RECONCILE_INDEX } from '../../functions/adapters/dynamodb/items';
import {
  MAX_RECEIVE_COUNT,
  RECONCILE_AFTER_SECONDS,
} from '../../functions/core/notifications/model';
import type { ChannelSender } from './channel-sender';
import {
  grantItems,
  NOTIFICATION_ITEMS,
  RECONCILE_INDEX_PARTITIONS,
  RECONCILER_ITEMS,
} from './data-table';
import { HeraldFunction } from './herald-function';

/** How often the reconciler runs. */
export const RECONCILE_SCHEDULE = Duration.minutes(5);

/** Props of Reconciler. */
export interface ReconcilerProps {
  /** Herald's table, with its `reconcile` index. */
  readonly table: dynamodb.ITable;
  /** Senders of the enabled channels: stuck deliveries go back on their queues. */
  readonly senders: readonly ChannelSender[];
  /** Powertools service name (the `service` dimension of its metrics). */
  readonly serviceName: string;
  readonly logRetention: logs.RetentionDays;
  /** Where the "stuck deliveries found" alarm notifies, if anywhere. */
  readonly alarmTopic?: sns.ITopic;
  /** X-Ray active tracing on the reconcile function. */
  readonly tracing: boolean;
}

/**
 * Nothing stays queued, sending or scheduled past its deadline: an EventBridge rule runs the
 * reconcile function every 5 minutes; it reads the open-work index, re-enqueues or fails what
 * is stuck, and publishes StuckDeliveriesFound, which alarms when it is ever above zero.
 */
export class Reconciler extends Construct {
  readonly function: HeraldFunction;
  readonly rule: events.Rule;
  /** Fires when a run found any stuck delivery: something upstream lost work. */
  readonly alarm: cw.Alarm;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const environment: Record<string, string> = {
      TABLE_NAME: props.table.tableName,
      MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
      RECONCILE_AFTER_SECONDS: String(RECONCILE_AFTER_SECONDS),
    };
    for (const sender of props.senders) {
      const channel = sender.channel.toUpperCase();
      environment[`QUEUE_URL_${channel}`] = sender.queue.queueUrl;
      environment[`HIGH_QUEUE_URL_${channel}`] = sender.highQueue.queueUrl;
    }
    this.function = new HeraldFunction(this, 'Function', {
      handlerName: 'reconcile',
      serviceName: props.serviceName,
      // A run stops before its deadline and the next one carries on: runs never overlap.
      timeout: Duration.minutes(2),
      memorySize: 512,
      logRetention: props.logRetention,
      environment,
      tracing: props.tracing,
    });
    const fn = this.function.fn;
    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Herald: find stuck deliveries',
      schedule: events.Schedule.rate(RECONCILE_SCHEDULE),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });

    // Query a notification's deliveries, requeue or fail one: notification items only.
    grantItems(fn, props.table, ['dynamodb:Query', 'dynamodb:UpdateItem'], NOTIFICATION_ITEMS);
    // Its own progress item.
    grantItems(fn, props.table, ['dynamodb:GetItem', 'dynamodb:PutItem'], RECONCILER_ITEMS);
    // The open-work index, by its own partitions.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/${RECONCILE_INDEX}`],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [RECONCILE_INDEX_PARTITIONS] },
        },
      }),
    );
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['sqs:SendMessage'],
      resourceArns: props.senders.flatMap((s) => s.queues.map((q) => q.queueArn)),
    });

    this.alarm = new cw.Alarm(this, 'StuckDeliveries', {
      alarmDescription:
        'Herald: the reconciler found deliveries stuck past their deadline and re-enqueued or failed them. Something lost work (a crash, a failed enqueue, a release in the schedule DLQ): read the reconcile function logs ("stuck delivery").',
      metric: new cw.Metric({
        namespace: 'Herald',
        metricName: 'StuckDeliveriesFound',
        dimensionsMap: { service: props.serviceName },
        period: RECONCILE_SCHEDULE,
        statistic: cw.Stats.SUM,
      }),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      this.alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
      this.alarm.addOkAction(new cwActions.SnsAction(props.alarmTopic));
    }
  }
}
