import { Duration, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { HeraldConfig } from '../config';
import { type ChannelSender, MAX_RECEIVE_COUNT } from './channel-sender';
import type { HeraldFunction } from './herald-function';
import { RELEASE_RETRY_ATTEMPTS, type Scheduling } from './scheduling';

const PERIOD = Duration.minutes(5);

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
  /** Thresholds. */
  readonly thresholds: HeraldConfig['alarms'];
  /** Email subscribed to the alarm topic, if any. */
  readonly alarmEmail?: string;
}

/**
 * Alarms on what needs a human: a message in any DLQ (channel or schedule), a queue lane falling
 * behind, a function's error rate, a failed scheduled release, API 5xx. All notify one SNS topic; missing data (idle channels) never alarms.
 */
export class HeraldAlarms extends Construct {
  /** Where every alarm (and its recovery) is published. */
  readonly topic: sns.Topic;
  /** Every alarm created. */
  readonly alarms: cw.Alarm[] = [];

  constructor(scope: Construct, id: string, props: HeraldAlarmsProps) {
    super(scope, id);
    const { thresholds } = props;

    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Herald alarms', enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and metric values only, no message content or recipients; the topic is SSL-only. A CMK ($1/month) would also need a key policy for cloudwatch.amazonaws.com, since alarms cannot publish to topics under the aws/sns key.',
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

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
    }
    for (const fn of props.apiFunctions) {
      this.addErrorRate(fn.node.id, fn, thresholds.functionErrorRatePercent);
    }

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
