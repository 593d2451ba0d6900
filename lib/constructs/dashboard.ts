import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ChannelSender } from './channel-sender';
import type { HeraldFunction } from './herald-function';
import type { Scheduling } from './scheduling';

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
 * (Powertools' default dimension), `channel` = the channel name (`email`, `sms`, ...) and `lane`
 * = the queue the message came from. CloudWatch keys a metric by its exact dimension set, so
 * every graph names all three.
 */
export const DELIVERY_METRIC_DIMENSIONS = ['service', 'channel', 'lane'] as const;

/** The two lanes of a channel: QUEUE_URL_<CHANNEL> and HIGH_QUEUE_URL_<CHANNEL>. */
export const LANES = ['normal', 'high'] as const;
export type Lane = (typeof LANES)[number];

/** Metrics of the release function (dimension `service` only). */
export const RELEASE_METRICS = {
  releases: 'ScheduledReleases',
  deliveries: 'DeliveriesReleased',
} as const;

const PERIOD = Duration.minutes(5);

/** A delivery outcome metric of one channel's lane. */
export function deliveryMetric(
  sender: ChannelSender,
  outcome: keyof typeof DELIVERY_METRICS,
  lane: Lane,
): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: DELIVERY_METRICS[outcome],
    dimensionsMap: { service: sender.serviceName, channel: sender.channel, lane },
    statistic: cw.Stats.SUM,
    period: PERIOD,
    label: `${outcome} (${lane})`,
  });
}

/** A metric of the release function. */
export function releaseMetric(
  scheduling: Scheduling,
  name: keyof typeof RELEASE_METRICS,
): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: RELEASE_METRICS[name],
    dimensionsMap: { service: scheduling.serviceName },
    statistic: cw.Stats.SUM,
    period: PERIOD,
    label: name === 'releases' ? 'schedules fired' : 'deliveries released',
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
  /** Release function and schedule DLQ: one row. */
  readonly scheduling: Scheduling;
}

/**
 * One dashboard for failures: the API's 4xx/5xx and p99 latency; scheduled releases,
 * Scheduler's own target errors and dropped invocations, release errors and the schedule DLQ;
 * per channel the delivery outcomes per lane, DLQ depth, age of the oldest message per lane and
 * the function's errors, throttles and p99 duration.
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

    const { scheduling } = props;
    const release = scheduling.releaseFunction.fn;
    this.dashboard.addWidgets(
      new cw.TextWidget({ markdown: '## Scheduled sends', width: 24, height: 1 }),
      new cw.GraphWidget({
        title: 'scheduling: releases',
        left: [releaseMetric(scheduling, 'releases'), releaseMetric(scheduling, 'deliveries')],
        width: 6,
      }),
      new cw.GraphWidget({
        title: 'scheduling: Scheduler target errors / dropped',
        left: [
          scheduling.schedulerMetric('TargetErrorCount', 'target errors'),
          scheduling.schedulerMetric('InvocationDroppedCount', 'dropped'),
          scheduling.schedulerMetric(
            'InvocationsFailedToBeSentToDeadLetterCount',
            'lost (DLQ failed)',
          ),
        ],
        width: 6,
      }),
      new cw.GraphWidget({
        title: 'scheduling: release function errors / throttles',
        left: [
          release.metricErrors({ period: PERIOD, label: 'errors' }),
          release.metricThrottles({ period: PERIOD, label: 'throttles' }),
        ],
        width: 6,
      }),
      new cw.GraphWidget({
        title: 'scheduling: schedule DLQ depth',
        left: [
          scheduling.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: cw.Stats.MAXIMUM,
            label: 'failed releases in DLQ',
          }),
        ],
        width: 6,
      }),
    );

    for (const sender of props.senders) {
      const fn = sender.function.fn;
      this.dashboard.addWidgets(
        new cw.TextWidget({ markdown: `## Channel: ${sender.channel}`, width: 24, height: 1 }),
        new cw.GraphWidget({
          title: `${sender.channel}: deliveries`,
          // One line per outcome and lane.
          left: (Object.keys(DELIVERY_METRICS) as (keyof typeof DELIVERY_METRICS)[]).flatMap(
            (outcome) => LANES.map((lane) => deliveryMetric(sender, outcome, lane)),
          ),
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
              label: 'normal lane',
            }),
            sender.highQueue.metricApproximateAgeOfOldestMessage({
              period: PERIOD,
              statistic: cw.Stats.MAXIMUM,
              label: 'high lane',
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
