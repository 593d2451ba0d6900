import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Channel } from '../../functions/core/notifications/model';
import type { HeraldConfig } from '../config';
import type { ChannelSender } from './channel-sender';
import { grantItems } from './data-table';
import { HeraldFunction } from './herald-function';

/*
 * Templates (functions/core/templates): items `TEMPLATE#<tenant>` (heads) and
 * `TEMPLATE#<tenant>#<key>` (draft, versions, version summaries) in Herald's table. The templates
 * function serves every /v1/templates route and alone carries MJML (several MB: compiled at
 * publish); the api function only reads published versions to render at send.
 */

/** Every template item. */
export const TEMPLATE_ITEMS = 'TEMPLATE#*';

const PERIOD = Duration.minutes(5);
/** The function's timeout; the duration alarm fires at 80% of it. */
const TIMEOUT = Duration.seconds(15);
export const TEMPLATES_SLOW_MS = TIMEOUT.toMilliseconds() * 0.8;

/** Props of Templates. */
export interface TemplatesProps {
  readonly table: dynamodb.ITable;
  /** The `/v1` resource of the REST API. */
  readonly v1: apigw.IResource;
  /** The method options of keyed routes (the API-key authorizer, usage plan). */
  readonly secured: apigw.MethodOptions;
  /**
   * The channel queues: their URLs are in the environment the api routes' configuration reads
   * (names only; the templates function is granted none of them).
   */
  readonly senders: ReadonlyMap<Channel, ChannelSender>;
  /** The api function: it reads published versions to render at send. */
  readonly apiFunction: HeraldFunction;
  readonly logRetention: logs.RetentionDays;
  readonly serviceName: string;
  readonly tracing: boolean;
}

/** The templates function and its `/v1/templates...` routes. */
export class Templates extends Construct {
  /** Serves /v1/templates and below. */
  readonly function: HeraldFunction;

  constructor(scope: Construct, id: string, props: TemplatesProps) {
    super(scope, id);
    this.function = new HeraldFunction(this, 'TemplatesFunction', {
      handlerName: 'templates',
      serviceName: props.serviceName,
      // MJML compiles a large email in well under a second with this much CPU.
      memorySize: 1024,
      timeout: TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: props.table.tableName,
        MAX_BODY_BYTES: '524288',
        ...Object.fromEntries(
          [...props.senders].map(([channel, sender]) => [
            `QUEUE_URL_${channel.toUpperCase()}`,
            sender.queue.queueUrl,
          ]),
        ),
      },
      tracing: props.tracing,
    });
    grantItems(
      this.function.fn,
      props.table,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      TEMPLATE_ITEMS,
    );

    const integration = new apigw.LambdaIntegration(this.function.fn, {
      proxy: true,
      allowTestInvoke: false,
    });
    const { secured } = props;
    const templates = props.v1.addResource('templates');
    templates.addMethod('GET', integration, secured);
    const template = templates.addResource('{key}');
    for (const method of ['GET', 'PUT', 'DELETE']) template.addMethod(method, integration, secured);
    template.addResource('publish').addMethod('POST', integration, secured);
    template.addResource('render').addMethod('POST', integration, secured);
    const versions = template.addResource('versions');
    versions.addMethod('GET', integration, secured);
    versions.addResource('{n}').addMethod('GET', integration, secured);

    // The api function renders published versions at send: it reads them, nothing more.
    grantItems(props.apiFunction.fn, props.table, ['dynamodb:GetItem'], TEMPLATE_ITEMS);
  }

  /** Its dashboard row: invocations, errors and throttles, duration (publish compiles MJML). */
  widgets(): cw.IWidget[] {
    const fn = this.function.fn;
    return [
      new cw.TextWidget({ markdown: '## Templates', width: 24, height: 1 }),
      new cw.GraphWidget({
        title: 'templates: invocations',
        left: [fn.metricInvocations({ period: PERIOD, label: 'invocations' })],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'templates: errors / throttles',
        left: [
          fn.metricErrors({ period: PERIOD, label: 'errors' }),
          fn.metricThrottles({ period: PERIOD, label: 'throttles' }),
        ],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'templates: duration p50 / p99 (ms)',
        left: [
          fn.metricDuration({ period: PERIOD, statistic: 'p50', label: 'p50' }),
          fn.metricDuration({ period: PERIOD, statistic: 'p99', label: 'p99' }),
        ],
        width: 8,
      }),
    ];
  }

  /**
   * Its alarms, as the other functions': the error rate, throttles, and a p99 duration near the
   * timeout (publish and previews compile MJML: a slow compile is about to time out). Missing
   * data (no template edits) never alarms.
   */
  addAlarms(topic: sns.ITopic, thresholds: HeraldConfig['alarms']): cw.Alarm[] {
    const fn = this.function.fn;
    const errors = fn.metricErrors({ period: PERIOD, statistic: cw.Stats.SUM });
    const invocations = fn.metricInvocations({ period: PERIOD, statistic: cw.Stats.SUM });
    const percent = thresholds.functionErrorRatePercent;
    const alarms = [
      new cw.Alarm(this, 'ErrorRate', {
        alarmDescription: `Herald templates: more than ${percent}% of /v1/templates invocations failed (5xx: edits, publishes or previews are failing).`,
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
      new cw.Alarm(this, 'Throttles', {
        alarmDescription: `Herald templates: the templates function was throttled in 10 minutes running (at least ${thresholds.senderThrottlesPerFiveMinutes} per 5 minutes): /v1/templates calls answer 5xx. Raise the account's Lambda concurrency or lower other functions'.`,
        metric: fn.metricThrottles({ period: PERIOD, statistic: cw.Stats.SUM }),
        threshold: thresholds.senderThrottlesPerFiveMinutes,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
      new cw.Alarm(this, 'SlowDuration', {
        alarmDescription: `Herald templates: p99 duration above ${TEMPLATES_SLOW_MS} ms (80% of the ${TIMEOUT.toSeconds()} s timeout) for 15 minutes: MJML compiles at publish are about to time out. Check the templates' size and the function's memory.`,
        metric: fn.metricDuration({ period: PERIOD, statistic: 'p99' }),
        threshold: TEMPLATES_SLOW_MS,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      }),
    ];
    const action = new cwActions.SnsAction(topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarms;
  }
}
