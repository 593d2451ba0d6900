import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ChannelSender } from './channel-sender';
import type { HeraldFunction } from './herald-function';

/** CloudWatch namespace of Herald's Powertools EMF metrics (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'Herald';

/**
 * Delivery outcome metrics each send-<channel> function emits (Powertools Metrics, unit Count),
 * one per delivery, with exactly the dimensions in DELIVERY_METRIC_DIMENSIONS.
 */
export const DELIVERY_METRICS = {
  delivered: 'DeliveryDelivered',
  failed: 'DeliveryFailed',
  retried: 'DeliveryRetried',
} as const;

/**
 * Dimension set of the delivery metrics: `service` = the function's POWERTOOLS_SERVICE_NAME
 * (Powertools' default dimension) and `channel` = the channel name (`email`, `sms`, ...).
 */
export const DELIVERY_METRIC_DIMENSIONS = ['service', 'channel'] as const;

const PERIOD = Duration.minutes(5);

/** A delivery outcome metric of one channel. */
export function deliveryMetric(
  sender: ChannelSender,
  outcome: keyof typeof DELIVERY_METRICS,
): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: DELIVERY_METRICS[outcome],
    dimensionsMap: { service: sender.serviceName, channel: sender.channel },
    statistic: cw.Stats.SUM,
    period: PERIOD,
    label: outcome,
  });
}

/** Props of HeraldDashboard. */
export interface HeraldDashboardProps {
  /** The enabled channels' senders: one row each. */
  readonly senders: readonly ChannelSender[];
  /** The REST API (its stage's metrics). */
  readonly api: apigw.RestApi;
  /** The api and authorizer functions. */
  readonly apiFunctions: readonly HeraldFunction[];
}

/**
 * One dashboard for failures: per channel the delivery outcomes, DLQ depth, age of the oldest
 * message and the function's errors, throttles and p99 duration; the API's 4xx/5xx and p99
 * latency.
 */
export class HeraldDashboard extends Construct {
  /** The dashboard. */
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: HeraldDashboardProps) {
    super(scope, id);
    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
    });

    const stage = props.api.deploymentStage;
    this.dashboard.addWidgets(
      new cw.TextWidget({ markdown: '# Herald API', width: 24, height: 1 }),
      new cw.GraphWidget({
        title: 'API 4xx / 5xx',
        left: [
          stage.metricClientError({ period: PERIOD, label: '4xx' }),
          stage.metricServerError({ period: PERIOD, label: '5xx' }),
        ],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'API latency p99 (ms)',
        left: [stage.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' })],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'API functions: errors / throttles',
        left: props.apiFunctions.flatMap((f) => [
          f.fn.metricErrors({ period: PERIOD, label: `${f.node.id} errors` }),
          f.fn.metricThrottles({ period: PERIOD, label: `${f.node.id} throttles` }),
        ]),
        width: 8,
      }),
    );

    for (const sender of props.senders) {
      const fn = sender.function.fn;
      this.dashboard.addWidgets(
        new cw.TextWidget({ markdown: `## Channel: ${sender.channel}`, width: 24, height: 1 }),
        new cw.GraphWidget({
          title: `${sender.channel}: deliveries`,
          left: [
            deliveryMetric(sender, 'delivered'),
            deliveryMetric(sender, 'failed'),
            deliveryMetric(sender, 'retried'),
          ],
          width: 6,
        }),
        new cw.GraphWidget({
          title: `${sender.channel}: DLQ depth`,
          left: [
            sender.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: cw.Stats.MAXIMUM,
              label: 'messages in DLQ',
            }),
          ],
          width: 4,
        }),
        new cw.GraphWidget({
          title: `${sender.channel}: oldest message age (s)`,
          left: [
            sender.queue.metricApproximateAgeOfOldestMessage({
              period: PERIOD,
              statistic: cw.Stats.MAXIMUM,
              label: 'queue',
            }),
          ],
          width: 4,
        }),
        new cw.GraphWidget({
          title: `${sender.channel}: function errors / throttles`,
          left: [
            fn.metricErrors({ period: PERIOD, label: 'errors' }),
            fn.metricThrottles({ period: PERIOD, label: 'throttles' }),
          ],
          width: 5,
        }),
        new cw.GraphWidget({
          title: `${sender.channel}: duration p99 (ms)`,
          left: [fn.metricDuration({ period: PERIOD, statistic: 'p99', label: 'p99' })],
          width: 5,
        }),
      );
    }
  }

  /** Console URL of the dashboard. */
  get url(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
