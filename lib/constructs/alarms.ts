import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HeraldConfig } from '../config';
import { type ChannelSender, MAX_RECEIVE_COUNT } from './channel-sender';
import { deliveryMetric } from './dashboard';
import type { HeraldFunction } from './herald-function';
import { RELEASE_RETRY_ATTEMPTS, type Scheduling } from './scheduling';

const PERIOD = Duration.minutes(5);

/** The failure-rate alarm ignores periods with fewer permanent failures than this. */
export const MIN_FAILED_FOR_RATE = 5;

/** Props of HeraldAlarms. */
export interface HeraldAlarmsProps {
  /** The enabled channels' senders. */
  readonly senders: readonly ChannelSender[];
  /** The REST API (its stage's 5xx). */
  readonly api: apigw.RestApi;
  /** The api and authorizer functions. */
  readonly apiFunctions: readonly HeraldFunction[];
  /** Release function and schedule DLQ. */
  readonly scheduling: Scheduling;
  /**
   * Every other function (events, webhook sender, SES feedback, console): each gets the same
   * error-rate alarm as the senders and the api.
   */
  readonly otherFunctions?: readonly HeraldFunction[];
  /** Other dead-letter queues whose first message needs a human, with what it means. */
  readonly otherDeadLetterQueues?: readonly { id: string; queue: sqs.IQueue; meaning: string }[];
  /** Thresholds. */
  readonly thresholds: HeraldConfig['alarms'];
  /** Email subscribed to Herald's alarm topic, if any. */
  readonly alarmEmail?: string;
  /** An existing topic to publish to instead of creating one. */
  readonly alarmTopicArn?: string;
}

/**
 * Alarms on what needs a human: a message in any DLQ (channel or schedule), a queue lane falling
 * behind, a function's error rate, a throttled sender, a channel's permanent-failure rate, a
 * failed scheduled release or a schedule Scheduler could not deliver, API 5xx and p99 latency.
 * All notify one SNS topic (Herald's own or an existing one); missing data (idle channels) never
 * alarms.
 */
export class HeraldAlarms extends Construct {
  /** Where every alarm (and its recovery) is published. */
  readonly topic: sns.ITopic;
  /** False when the topic has neither an email subscription nor is an existing topic. */
  readonly routed: boolean;
  /** Every alarm created. */
  readonly alarms: cw.Alarm[] = [];
  private readonly functionErrorRatePercent: number;

  constructor(scope: Construct, id: string, props: HeraldAlarmsProps) {
    super(scope, id);
    const { thresholds } = props;

    if (props.alarmTopicArn) {
      this.topic = sns.Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn);
    } else {
      // Unencrypted on purpose: alarms carry names and metric values only, and CloudWatch cannot
      // publish to a topic under the aws/sns key (a CMK would need a key policy for it).
      const topic = new sns.Topic(this, 'Topic', {
        displayName: 'Herald alarms',
        enforceSSL: true,
      });
      if (props.alarmEmail) {
        topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      }
      this.topic = topic;
    }
    this.routed = props.alarmTopicArn !== undefined || props.alarmEmail !== undefined;

    for (const sender of props.senders) {
      const ch = sender.channel;
      this.add(`${ch}DlqNotEmpty`, {
        alarmDescription: `Herald ${ch}: deliveries in the dead-letter queue (failed ${MAX_RECEIVE_COUNT} times). Inspect and replay or drop them.`,
        metric: sender.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: cw.Stats.MAXIMUM,
        }),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      this.add(`${ch}OldestMessage`, {
        alarmDescription: `Herald ${ch}: the oldest queued delivery waited over ${thresholds.oldestMessageAgeSeconds} s. The provider may be throttling or down, or maxConcurrency is too low.`,
        metric: sender.queue.metricApproximateAgeOfOldestMessage({
          period: PERIOD,
          statistic: cw.Stats.MAXIMUM,
        }),
        threshold: thresholds.oldestMessageAgeSeconds,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
      });
      this.add(`${ch}HighOldestMessage`, {
        alarmDescription: `Herald ${ch}: the oldest high-priority delivery waited over ${thresholds.highOldestMessageAgeSeconds} s. The provider may be throttling or down, or highMaxConcurrency is too low.`,
        metric: sender.highQueue.metricApproximateAgeOfOldestMessage({
          period: PERIOD,
          statistic: cw.Stats.MAXIMUM,
        }),
        threshold: thresholds.highOldestMessageAgeSeconds,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      this.addErrorRate(`${ch}Function`, sender.function, thresholds.functionErrorRatePercent);
      this.add(`${ch}SenderThrottles`, {
        alarmDescription: `Herald ${ch}: the send-${ch} function was throttled in 10 minutes running (at least ${thresholds.senderThrottlesPerFiveMinutes} per 5 minutes): the account's Lambda concurrency is exhausted, so deliveries wait. Raise the account limit or lower other functions' concurrency.`,
        metric: sender.function.fn.metricThrottles({ period: PERIOD, statistic: cw.Stats.SUM }),
        threshold: thresholds.senderThrottlesPerFiveMinutes,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
      });
      this.addFailureRate(sender, thresholds.deliveryFailureRatePercent);
    }
    for (const fn of props.apiFunctions) {
      this.addErrorRate(fn.node.id, fn, thresholds.functionErrorRatePercent);
    }
    this.functionErrorRatePercent = thresholds.functionErrorRatePercent;
    this.watch(props.otherFunctions ?? [], props.otherDeadLetterQueues ?? []);

    const { scheduling } = props;
    this.add('ScheduleDlqNotEmpty', {
      alarmDescription:
        'Herald scheduling: a scheduled notification could not be released (the message body is { notificationId }). Fix the cause, then invoke the release function with that body (docs/deploy.md).',
      metric: scheduling.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: cw.Stats.MAXIMUM,
      }),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('ScheduleTargetErrors', {
      alarmDescription:
        'Herald scheduling: EventBridge Scheduler could not invoke the release function (TargetErrorCount: permissions, throttling or the function missing). Scheduler retries for an hour, then the release goes to the schedule DLQ.',
      metric: scheduling.schedulerMetric('TargetErrorCount'),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('ScheduleInvocationsDropped', {
      alarmDescription:
        'Herald scheduling: EventBridge Scheduler gave up on a scheduled release (InvocationDroppedCount, retry policy exhausted). Look for its { notificationId } in the schedule DLQ and release it by hand (docs/deploy.md).',
      metric: scheduling.schedulerMetric('InvocationDroppedCount'),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('ScheduleDlqDeliveryFailed', {
      alarmDescription:
        'Herald scheduling: a release Scheduler gave up on could not even be put in the schedule DLQ (InvocationsFailedToBeSentToDeadLetterCount): that notification is not released. Find it with status scheduled past its sendAt and release it by hand.',
      metric: scheduling.schedulerMetric('InvocationsFailedToBeSentToDeadLetterCount'),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('ReleaseFunctionErrors', {
      alarmDescription: `Herald scheduling: the release function failed; scheduled deliveries are late. Lambda retries ${RELEASE_RETRY_ATTEMPTS} times, then the event goes to the schedule DLQ.`,
      metric: scheduling.releaseFunction.fn.metricErrors({
        period: PERIOD,
        statistic: cw.Stats.SUM,
      }),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    this.add('Api5xx', {
      alarmDescription: `Herald API answered 5xx at least ${thresholds.api5xxPerFiveMinutes} times in 5 minutes (bad input never gives a 5xx).`,
      metric: props.api.deploymentStage.metricServerError({
        period: PERIOD,
        statistic: cw.Stats.SUM,
      }),
      threshold: thresholds.api5xxPerFiveMinutes,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('ApiLatencyP99', {
      alarmDescription: `Herald API p99 latency above ${thresholds.apiP99LatencyMs} ms for 15 minutes. Check the api and authorizer functions' duration and DynamoDB/SQS throttling.`,
      metric: props.api.deploymentStage.metricLatency({ period: PERIOD, statistic: 'p99' }),
      threshold: thresholds.apiP99LatencyMs,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
  }

  /**
   * Permanent failures (`DeliveryFailed`, both lanes) as a share of the channel's finished
   * deliveries (failed + delivered), once at least MIN_FAILED_FOR_RATE failed in the period.
   */
  /**
   * An error-rate alarm per function and a not-empty alarm per dead-letter queue, for parts built
   * after the alarms (their topic is an input of theirs: workflows, topic fan-out, triggers).
   */
  watch(
    functions: readonly HeraldFunction[],
    deadLetterQueues: readonly { id: string; queue: sqs.IQueue; meaning: string }[] = [],
  ): void {
    for (const fn of functions) {
      // By path below the stack (`Console/Function` -> `ConsoleFunction`): node ids repeat.
      const id = fn.node.scopes
        .slice(2)
        .map((scope) => scope.node.id)
        .join('');
      this.addErrorRate(id, fn, this.functionErrorRatePercent);
    }
    for (const { id, queue, meaning } of deadLetterQueues) {
      this.add(`${id}NotEmpty`, {
        alarmDescription: `Herald: ${meaning}.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: cw.Stats.MAXIMUM,
        }),
        threshold: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
  }

  private addFailureRate(sender: ChannelSender, percent: number): void {
    const failed = 'FILL(failedNormal, 0) + FILL(failedHigh, 0)';
    const delivered = 'FILL(deliveredNormal, 0) + FILL(deliveredHigh, 0)';
    this.add(`${sender.channel}FailureRate`, {
      alarmDescription: `Herald ${sender.channel}: more than ${percent}% of deliveries failed permanently in 5 minutes (at least ${MIN_FAILED_FOR_RATE} failures). The reason is on each delivery (lastError) and in the send-${sender.channel} logs: bad recipients in requests, a provider rejecting content, or (email) the SES sandbox.`,
      metric: new cw.MathExpression({
        expression: `IF((${failed}) >= ${MIN_FAILED_FOR_RATE}, 100 * (${failed}) / ((${failed}) + (${delivered})), 0)`,
        usingMetrics: {
          failedNormal: deliveryMetric(sender, 'failed', 'normal'),
          failedHigh: deliveryMetric(sender, 'failed', 'high'),
          deliveredNormal: deliveryMetric(sender, 'delivered', 'normal'),
          deliveredHigh: deliveryMetric(sender, 'delivered', 'high'),
        },
        period: PERIOD,
        label: 'permanent failures %',
      }),
      threshold: percent,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  private addErrorRate(id: string, fn: HeraldFunction, percent: number): void {
    const errors = fn.fn.metricErrors({ period: PERIOD, statistic: cw.Stats.SUM });
    const invocations = fn.fn.metricInvocations({ period: PERIOD, statistic: cw.Stats.SUM });
    this.add(`${id}ErrorRate`, {
      alarmDescription: `Herald ${fn.node.path}: more than ${percent}% of invocations failed.`,
      metric: new cw.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: { errors, invocations },
        period: PERIOD,
        label: 'error rate %',
      }),
      threshold: percent,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  private add(id: string, props: Omit<cw.AlarmProps, 'treatMissingData'>): void {
    const alarm = new cw.Alarm(this, id, {
      ...props,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    const action = new cwActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}
