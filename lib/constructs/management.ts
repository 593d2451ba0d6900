import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Channel } from '../../functions/core/notifications/model';
import type { HeraldConfig } from '../config';
import { API_SUPPRESSION_ACTIONS, API_TABLE_ACTIONS } from './api-functions';
import type { ChannelSender } from './channel-sender';
import { grantItems, NOTIFICATION_ITEMS, SUPPRESSION_ITEMS } from './data-table';
import type { DeadLetterReplay } from './dead-letter-replay';
import type { DeliveryEvents } from './delivery-events';
import { functionAlarms, functionWidgets } from './function-monitoring';
import { HeraldFunction } from './herald-function';
import type { ProviderSecrets } from './provider-secrets';
import { addRecipientRoutes, grantRecipientManagement } from './recipients';
import { TEMPLATE_ITEMS } from './templates';

/*
 * The manage function (functions/handlers/manage.ts): the management routes (webhooks,
 * suppressions, recipients and categories, topics, providers, dead letters, workflows), the public
 * links that carry their own credential (unsubscribe, Twilio status callbacks) and /openapi.json.
 * The api function keeps the send and read path, so its cold start loads none of these, and each
 * function holds only the grants its own routes use. This construct adds the routes and grants of
 * the capabilities with no construct of their own; Topics, Workflows, tenant providers and the
 * unsubscribe links grant and route to `function` themselves.
 */

/** API Gateway waits 29 s for an integration: a management call never outlives that. */
const TIMEOUT = Duration.seconds(29);
export const MANAGE_SLOW_MS = TIMEOUT.toMilliseconds() * 0.8;

/** Props of Management. */
export interface ManagementProps {
  /** The api function's environment and the names only management uses (DLQs, webhook queue). */
  readonly environment: Record<string, string>;
  readonly table: dynamodb.ITable;
  readonly senders: ReadonlyMap<Channel, ChannelSender>;
  readonly deadLetters: DeadLetterReplay;
  readonly events: DeliveryEvents;
  readonly secrets: ProviderSecrets;
  readonly logRetention: logs.RetentionDays;
  readonly serviceName: string;
  readonly tracing: boolean;
}

/** What the routes are added to: the REST API's root, `/v1` and the keyed method options. */
export interface ManagementRoutesProps {
  readonly root: apigw.IResource;
  readonly v1: apigw.IResource;
  readonly secured: apigw.MethodOptions;
}

/** The manage function, its grants, and (addRoutes) its routes on the REST API. */
export class Management extends Construct {
  /** Serves the management routes and /openapi.json. */
  readonly function: HeraldFunction;

  constructor(scope: Construct, id: string, props: ManagementProps) {
    super(scope, id);
    const { table } = props;
    this.function = new HeraldFunction(this, 'ManageFunction', {
      handlerName: 'manage',
      serviceName: props.serviceName,
      timeout: TIMEOUT,
      memorySize: 512,
      logRetention: props.logRetention,
      environment: props.environment,
      tracing: props.tracing,
    });
    const fn = this.function.fn;
    // Dead-letter replays, Twilio's reports and cancelled workflow runs change notifications.
    grantItems(fn, table, API_TABLE_ACTIONS, NOTIFICATION_ITEMS);
    // The suppression routes; recipient writes mark suppressed addresses (BatchGetItem).
    grantItems(fn, table, [...API_SUPPRESSION_ACTIONS, 'dynamodb:BatchGetItem'], SUPPRESSION_ITEMS);
    grantRecipientManagement(fn, table);
    // Workflow publishes and triggers check and render the templates their steps name.
    grantItems(fn, table, ['dynamodb:GetItem'], TEMPLATE_ITEMS);
    // The webhook routes (webhook.test events go on the webhook queue).
    props.events.grantApi(this.function);
    // GET /v1/dlq and POST /v1/dlq/replay: look at and empty the DLQs, replay to the lanes.
    props.deadLetters.grantReplay(this.function);
    for (const sender of props.senders.values()) {
      for (const queue of sender.queues) queue.grant(fn, 'sqs:SendMessage');
    }
    // Twilio status callbacks: checked with the account's auth token (X-Twilio-Signature).
    const twilio = props.secrets.secrets.twilio;
    if (twilio) {
      fn.addEnvironment('TWILIO_SECRET_ID', twilio.secretArn);
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['secretsmanager:GetSecretValue'],
        resourceArns: [twilio.secretArn],
      });
    }
  }

  /**
   * The routes of capabilities without a construct of their own: /openapi.json, dead letters,
   * webhooks, suppressions, recipients and categories with the unsubscribe link, Twilio's
   * status callback.
   */
  addRoutes({ root, v1, secured }: ManagementRoutesProps): void {
    const integration = new apigw.LambdaIntegration(this.function.fn, {
      proxy: true,
      allowTestInvoke: false,
    });
    const openapi = root.addResource('openapi.json').addMethod('GET', integration, {
      authorizationType: apigw.AuthorizationType.NONE,
    });
    Validations.of(openapi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /openapi.json is the public API contract (OpenAPI 3.1) so clients can generate code; it holds no tenant data.',
    });
    const dlq = v1.addResource('dlq');
    dlq.addMethod('GET', integration, secured);
    dlq.addResource('replay').addMethod('POST', integration, secured);
    const webhooks = v1.addResource('webhooks');
    webhooks.addMethod('POST', integration, secured);
    webhooks.addMethod('GET', integration, secured);
    const webhook = webhooks.addResource('{id}');
    for (const method of ['GET', 'PATCH', 'DELETE'])
      webhook.addMethod(method, integration, secured);
    webhook.addResource('test').addMethod('POST', integration, secured);
    webhook.addResource('rotate-secret').addMethod('POST', integration, secured);
    const suppressions = v1.addResource('suppressions');
    suppressions.addMethod('GET', integration, secured);
    suppressions.addMethod('POST', integration, secured);
    suppressions
      .addResource('{channel}')
      .addResource('{recipient}')
      .addMethod('DELETE', integration, secured);
    addRecipientRoutes(v1, integration, secured);

    // Twilio has no Herald key to send: the manage function verifies X-Twilio-Signature instead
    // and answers 403 for anything that does not verify. The authorizer must not run here.
    const providers = v1.getResource('providers') ?? v1.addResource('providers');
    const twilioStatus = providers
      .addResource('twilio')
      .addResource('status')
      .addMethod('POST', integration, { authorizationType: apigw.AuthorizationType.NONE });
    Validations.of(twilioStatus).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Twilio status callbacks carry no API key; the manage function verifies X-Twilio-Signature (HMAC-SHA1 of the exact URL and form with the account auth token) and answers 403 otherwise.',
    });
    Validations.of(twilioStatus).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'A provider callback, authenticated by the provider signature, not by a user pool.',
    });
  }

  /** Its dashboard row: invocations, errors and throttles, duration. */
  widgets(): cw.IWidget[] {
    return functionWidgets(this.function.fn, 'Management routes', 'manage');
  }

  /** Its alarms: the error rate, throttles, and a p99 duration near the timeout. */
  addAlarms(topic: sns.ITopic, thresholds: HeraldConfig['alarms']): cw.Alarm[] {
    return functionAlarms(this, this.function.fn, {
      topic,
      thresholds,
      slowMs: MANAGE_SLOW_MS,
      texts: {
        errorRate: (percent) =>
          `Herald manage: more than ${percent}% of the management routes' invocations failed (5xx: recipients, topics, providers, webhooks, workflows, DLQ or Twilio status callbacks are failing).`,
        throttles: (perFiveMinutes) =>
          `Herald manage: the manage function was throttled in 10 minutes running (at least ${perFiveMinutes} per 5 minutes): management calls and Twilio status callbacks answer 5xx. Raise the account's Lambda concurrency or lower other functions'.`,
        slow: `Herald manage: p99 duration above ${MANAGE_SLOW_MS} ms (80% of the ${TIMEOUT.toSeconds()} s timeout, API Gateway's own limit) for 15 minutes: batch imports, replays or topic subscriptions are about to time out.`,
      },
    });
  }
}
