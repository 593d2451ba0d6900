import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { HeraldConfig } from '../config';

const PERIOD = Duration.minutes(5);

/**
 * A function's dashboard row: invocations, errors and throttles, duration p50/p99. For the
 * functions that answer API routes beside the api (templates, manage).
 */
export function functionWidgets(fn: lambda.IFunction, heading: string, name: string): cw.IWidget[] {
  return [
    new cw.TextWidget({ markdown: `## ${heading}`, width: 24, height: 1 }),
    new cw.GraphWidget({
      title: `${name}: invocations`,
      left: [fn.metricInvocations({ period: PERIOD, label: 'invocations' })],
      width: 8,
    }),
    new cw.GraphWidget({
      title: `${name}: errors / throttles`,
      left: [
        fn.metricErrors({ period: PERIOD, label: 'errors' }),
        fn.metricThrottles({ period: PERIOD, label: 'throttles' }),
      ],
      width: 8,
    }),
    new cw.GraphWidget({
      title: `${name}: duration p50 / p99 (ms)`,
      left: [
        fn.metricDuration({ period: PERIOD, statistic: 'p50', label: 'p50' }),
        fn.metricDuration({ period: PERIOD, statistic: 'p99', label: 'p99' }),
      ],
      width: 8,
    }),
  ];
}

/** What each alarm of `functionAlarms` tells the operator, in the function's own terms. */
export interface FunctionAlarmTexts {
  errorRate: (percent: number) => string;
  throttles: (perFiveMinutes: number) => string;
  slow: string;
}

/**
 * The error rate, throttles two periods running, and a p99 duration above `slowMs` for 15
 * minutes, each notifying `topic` (and its recovery). Missing data (no calls) never alarms.
 */
export function functionAlarms(
  scope: Construct,
  fn: lambda.IFunction,
  options: {
    topic: sns.ITopic;
    thresholds: HeraldConfig['alarms'];
    slowMs: number;
    texts: FunctionAlarmTexts;
  },
): cw.Alarm[] {
  const { thresholds, texts } = options;
  const errors = fn.metricErrors({ period: PERIOD, statistic: cw.Stats.SUM });
  const invocations = fn.metricInvocations({ period: PERIOD, statistic: cw.Stats.SUM });
  const percent = thresholds.functionErrorRatePercent;
  const alarms = [
    new cw.Alarm(scope, 'ErrorRate', {
      alarmDescription: texts.errorRate(percent),
      metric: new cw.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: { errors, invocations },
        period: PERIOD,
        label: 'error rate %',
      }),
      threshold: percent,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    }),
    new cw.Alarm(scope, 'Throttles', {
      alarmDescription: texts.throttles(thresholds.senderThrottlesPerFiveMinutes),
      metric: fn.metricThrottles({ period: PERIOD, statistic: cw.Stats.SUM }),
      threshold: thresholds.senderThrottlesPerFiveMinutes,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    }),
    new cw.Alarm(scope, 'SlowDuration', {
      alarmDescription: texts.slow,
      metric: fn.metricDuration({ period: PERIOD, statistic: 'p99' }),
      threshold: options.slowMs,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    }),
  ];
  const action = new cwActions.SnsAction(options.topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
  return alarms;
}
