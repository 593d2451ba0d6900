import { Duration, type Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { TENANT_INDEX } from '../../functions/adapters/dynamodb/items';
import type { Channel } from '../../functions/core/notifications/model';
import { DEFAULT_MAX_RECIPIENTS_PER_CHANNEL } from '../../functions/core/notifications/requests/limits';
import type { HeraldConfig } from '../config';
import type { ChannelSender } from './channel-sender';
import {
  API_KEY_ITEMS,
  grantIndexQuery,
  grantItems,
  NOTIFICATION_ITEMS,
  SUPPRESSION_ITEMS,
  TENANT_INDEX_ITEMS,
} from './data-table';
import type { DeadLetterReplay } from './dead-letter-replay';
import type { DeliveryEvents } from './delivery-events';
import { HeraldFunction } from './herald-function';
import type { IdempotencyTable } from './idempotency-table';
import { grantRecipientSends } from './recipients';
import type { Scheduling } from './scheduling';

/** DynamoDB actions of the api function (ingest, status, cancel); table only, no index. */
export const API_TABLE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/** DynamoDB actions of the api function on the tenant's suppression list. */
export const API_SUPPRESSION_ACTIONS = [
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
] as const;

/** What the api and authorizer functions are wired to. */
export interface ApiFunctionsProps {
  readonly config: HeraldConfig;
  readonly table: dynamodb.ITable;
  readonly senders: ReadonlyMap<Channel, ChannelSender>;
  readonly scheduling: Scheduling;
  readonly deadLetters: DeadLetterReplay;
  readonly idempotency: IdempotencyTable;
  readonly events: DeliveryEvents;
  readonly logRetention: logs.RetentionDays;
  readonly serviceName: (fn: string) => string;
}

/**
 * The functions behind the REST API: `api` (the send and read path, with the environment and
 * grants it needs: ingest and cancel, lists, schedules, Idempotency-Key answers; the management
 * routes are the manage function's, lib/constructs/management.ts) and `authorizer` (reads API
 * keys, nothing else). `manageEnvironment` is the api's plus the names only management uses.
 */
export function createApiFunctions(
  stack: Stack,
  props: ApiFunctionsProps,
): {
  apiFunction: HeraldFunction;
  authorizerFunction: HeraldFunction;
  manageEnvironment: Record<string, string>;
} {
  const { config, table, senders, scheduling, deadLetters, idempotency, events } = props;
  const { logRetention, serviceName } = props;
  const apiEnvironment: Record<string, string> = {
    TABLE_NAME: table.tableName,
    MAX_RECIPIENTS_PER_CHANNEL: String(DEFAULT_MAX_RECIPIENTS_PER_CHANNEL),
    MAX_BODY_BYTES: '524288',
    DATA_RETENTION_DAYS: String(config.dataRetentionDays),
    // Lets ingest reject a `from` outside the sender's domain instead of failing it later.
    ...(config.enabledChannels.includes('email') ? { EMAIL_FROM: config.senderAddress } : {}),
  };
  for (const [channel, sender] of senders) {
    apiEnvironment[`QUEUE_URL_${channel.toUpperCase()}`] = sender.queue.queueUrl;
    apiEnvironment[`HIGH_QUEUE_URL_${channel.toUpperCase()}`] = sender.highQueue.queueUrl;
  }
  if (senders.has('mqtt')) apiEnvironment.MQTT_TOPIC_PREFIX = config.mqttTopicPrefix;
  Object.assign(apiEnvironment, scheduling.apiEnvironment);
  Object.assign(apiEnvironment, idempotency.apiEnvironment);
  // The dead-letter and webhook routes are the manage function's: only it is told these.
  const manageEnvironment = {
    ...apiEnvironment,
    ...deadLetters.apiEnvironment,
    WEBHOOK_QUEUE_URL: events.webhookQueue.queueUrl,
  };

  const apiFunction = new HeraldFunction(stack, 'ApiFunction', {
    handlerName: 'api',
    serviceName: serviceName('api'),
    timeout: Duration.seconds(10),
    memorySize: 512,
    logRetention,
    environment: apiEnvironment,
    tracing: config.tracing,
  });
  grantItems(apiFunction.fn, table, API_TABLE_ACTIONS, NOTIFICATION_ITEMS);
  // GET /v1/notifications: the caller's partition of the per-tenant time index.
  grantIndexQuery(apiFunction.fn, table, TENANT_INDEX, TENANT_INDEX_ITEMS);
  // Inline profiles of a send are upserted with their suppressed addresses marked (BatchGetItem
  // of the list); the list is never written here (the manage function's suppression routes do).
  grantItems(apiFunction.fn, table, ['dynamodb:BatchGetItem'], SUPPRESSION_ITEMS);
  grantRecipientSends(apiFunction.fn, table);
  for (const sender of senders.values()) {
    for (const queue of sender.queues) queue.grant(apiFunction.fn, 'sqs:SendMessage');
  }
  // Create (ingest) and delete (cancel) schedules in the group; pass the scheduler role.
  scheduling.grantScheduling(apiFunction);
  // Idempotency-Key answers, in their own table.
  idempotency.grantUse(apiFunction);

  const authorizerFunction = new HeraldFunction(stack, 'AuthorizerFunction', {
    handlerName: 'authorizer',
    serviceName: serviceName('authorizer'),
    timeout: Duration.seconds(5),
    logRetention,
    environment: { TABLE_NAME: table.tableName },
    tracing: config.tracing,
  });
  grantItems(authorizerFunction.fn, table, ['dynamodb:GetItem'], API_KEY_ITEMS);
  return { apiFunction, authorizerFunction, manageEnvironment };
}
