import { z } from 'zod';
import type { UrlPolicy } from '../adapters/http/url-guard';
import {
  DEFAULT_WEBHOOK_DISABLE_AFTER_MS,
  DEFAULT_WEBHOOK_RETRY_DELAYS,
} from '../core/webhooks/model';
import { parseEnv } from './config';

const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true');

const delays = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'must be comma-separated seconds')
  .default(DEFAULT_WEBHOOK_RETRY_DELAYS.join(','))
  .transform((v) => v.split(',').map(Number));

const policySchema = z.object({
  WEBHOOK_ALLOW_HTTP: flag,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: flag,
});

function policyOf(parsed: z.infer<typeof policySchema>): UrlPolicy {
  return {
    allowHttp: parsed.WEBHOOK_ALLOW_HTTP,
    allowPrivateNetworks: parsed.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
  };
}

const eventsSchema = z.object({
  TABLE_NAME: z.string().min(1),
  EVENTS_TOPIC_ARN: z.string().min(1),
  WEBHOOK_QUEUE_URL: z.string().min(1),
  WEBHOOK_CACHE_SECONDS: z.coerce.number().int().min(0).default(30),
});

/** Settings of the events function (DynamoDB Stream -> SNS topic and webhook queue). */
export function loadEventsConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(eventsSchema, env);
  return {
    tableName: parsed.TABLE_NAME,
    topicArn: parsed.EVENTS_TOPIC_ARN,
    webhookQueueUrl: parsed.WEBHOOK_QUEUE_URL,
    /** A tenant's webhook list is kept this long (new webhooks get events after at most this). */
    webhookCacheMs: parsed.WEBHOOK_CACHE_SECONDS * 1000,
  };
}

const senderSchema = policySchema.extend({
  TABLE_NAME: z.string().min(1),
  WEBHOOK_QUEUE_URL: z.string().min(1),
  WEBHOOK_DLQ_URL: z.string().min(1),
  WEBHOOK_RETRY_DELAYS_SECONDS: delays,
  WEBHOOK_DISABLE_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_WEBHOOK_DISABLE_AFTER_MS / 1000),
});

/** Settings of the webhook sender. */
export function loadWebhookSenderConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(senderSchema, env);
  return {
    tableName: parsed.TABLE_NAME,
    queueUrl: parsed.WEBHOOK_QUEUE_URL,
    deadLetterUrl: parsed.WEBHOOK_DLQ_URL,
    retryDelaysSeconds: parsed.WEBHOOK_RETRY_DELAYS_SECONDS,
    disableAfterMs: parsed.WEBHOOK_DISABLE_AFTER_SECONDS * 1000,
    policy: policyOf(parsed),
  };
}

const apiWebhookSchema = policySchema.extend({ WEBHOOK_QUEUE_URL: z.string().optional() });

/** The api function's webhook settings; undefined when this deployment has no webhook queue. */
export function loadApiWebhookConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(apiWebhookSchema, env);
  if (!parsed.WEBHOOK_QUEUE_URL) return undefined;
  return { queueUrl: parsed.WEBHOOK_QUEUE_URL, policy: policyOf(parsed) };
}
