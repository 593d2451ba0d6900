import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Channel } from '../../functions/core/notifications/model';
import type { HeraldConfig } from '../config';
import type { ChannelSender } from './channel-sender';
import { grantItems } from './data-table';
import { functionAlarms, functionWidgets } from './function-monitoring';
import { HeraldFunction } from './herald-function';

/*
 * Templates (functions/core/templates): items `TEMPLATE#<tenant>` (heads) and
 * `TEMPLATE#<tenant>#<key>` (draft, versions, version summaries) in Herald's table. The templates
 * function serves every /v1/templates route and alone carries MJML (several MB: compiled at
 * publish); the api function only reads published versions to render at send.
 */

/** Every template item. */
export const TEMPLATE_ITEMS = 'TEMPLATE#*';

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

  /** Its dashboard row: invocations, errors and throttles, duration. */
  widgets(): cw.IWidget[] {
    return functionWidgets(this.function.fn, 'Templates', 'templates');
  }

  /** Its alarms: the error rate, throttles, and a p99 duration near the timeout. */
  addAlarms(topic: sns.ITopic, thresholds: HeraldConfig['alarms']): cw.Alarm[] {
    return functionAlarms(this, this.function.fn, {
      topic,
      thresholds,
      slowMs: TEMPLATES_SLOW_MS,
      texts: {
        errorRate: (percent) =>
          `Herald templates: more than ${percent}% of /v1/templates invocations failed (5xx: edits, publishes or previews are failing).`,
        throttles: (perFiveMinutes) =>
          `Herald templates: the templates function was throttled in 10 minutes running (at least ${perFiveMinutes} per 5 minutes): /v1/templates calls answer 5xx. Raise the account's Lambda concurrency or lower other functions'.`,
        slow: `Herald templates: p99 duration above ${TEMPLATES_SLOW_MS} ms (80% of the ${TIMEOUT.toSeconds()} s timeout) for 15 minutes: MJML compiles at publish are about to time out. Check the templates' size and the function's memory.`,
      },
    });
  }
}
