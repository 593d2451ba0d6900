import * as z from 'zod/mini';
import { DynamoCategoryStore } from '../adapters/dynamodb/category-store';
import { DynamoFanoutStore } from '../adapters/dynamodb/fanout-store';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { DynamoRecipientStore } from '../adapters/dynamodb/recipient-store';
import { DynamoTopicStore } from '../adapters/dynamodb/topic-store';
import { SqsDeliveryQueue } from '../adapters/sqs/delivery-queue';
import { SqsFanoutQueue } from '../adapters/sqs/fanout-queue';
import { mqttNamespace } from '../core/notifications/requests/mqtt-topic';
import type { FanoutDependencies } from '../core/topics/fanout';
import type { FanoutQueue } from '../core/topics/ports';
import { dynamo, sqs } from './aws-clients';
import { type ApiConfig, parseEnv } from './config';

/*
 * Topic fan-out settings and adapters, shared by the api (accepts a topic send), the fan-out
 * function (works the pages) and the reconciler (re-sends a stalled page).
 */

const positive = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

const fanoutSchema = z.object({
  /** The fan-out queue; without it a topic send is a 400 (the api) or nothing runs. */
  FANOUT_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  /** Subscribers per page (1,000: ten BatchGetItem calls and ~1,000 conditional creates). */
  FANOUT_PAGE_SIZE: positive(1000),
  /** A checkpoint that has not moved for this long is re-sent by the reconciler. */
  FANOUT_STALL_SECONDS: positive(300),
});

export interface FanoutSettings {
  queueUrl?: string;
  pageSize: number;
  stallAfterMs: number;
}

export function loadFanoutSettings(env: NodeJS.ProcessEnv = process.env): FanoutSettings {
  const parsed = parseEnv(fanoutSchema, env);
  return {
    ...(parsed.FANOUT_QUEUE_URL && { queueUrl: parsed.FANOUT_QUEUE_URL }),
    pageSize: Math.min(parsed.FANOUT_PAGE_SIZE, 1000),
    stallAfterMs: parsed.FANOUT_STALL_SECONDS * 1000,
  };
}

/** A queue that refuses: this deployment has no fan-out queue. */
const noQueue: FanoutQueue = {
  send: async () => {
    throw new Error('FANOUT_QUEUE_URL is not set');
  },
};

export function fanoutQueueOf(settings: FanoutSettings): FanoutQueue {
  return settings.queueUrl ? new SqsFanoutQueue(sqs, settings.queueUrl) : noQueue;
}

/** Everything the fan-out stage needs, from the api-shaped configuration (queues, table, MQTT). */
export function createFanoutDependencies(
  config: ApiConfig,
  settings: FanoutSettings,
): FanoutDependencies {
  const categories = new DynamoCategoryStore(dynamo, config.tableName);
  return {
    fanouts: new DynamoFanoutStore(dynamo, config.tableName),
    topics: new DynamoTopicStore(dynamo, config.tableName),
    recipients: new DynamoRecipientStore(dynamo, config.tableName),
    store: new NotificationStore(dynamo, config.tableName, config.retentionDays),
    queue: new SqsDeliveryQueue(sqs, config.queues),
    fanoutQueue: fanoutQueueOf(settings),
    category: (tenantId, key) => categories.get(tenantId, key),
    mqtt: (tenantId) =>
      mqttNamespace({
        tenantId,
        ...(config.mqttTopicPrefix && { mqttTopicPrefix: config.mqttTopicPrefix }),
      }),
    pageSize: settings.pageSize,
    stallAfterMs: settings.stallAfterMs,
    expiresAt: (now) => Math.floor(now / 1000) + config.retentionDays * 24 * 3600,
  };
}
