import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Channel } from '../../functions/core/notifications/model';
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
      timeout: Duration.seconds(15),
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
}
