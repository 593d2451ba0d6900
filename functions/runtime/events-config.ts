import * as z from 'zod/mini';
import type { UrlPolicy } from '../adapters/http/url-guard';
import {
  DEFAULT_WEBHOOK_DISABLE_AFTER_MS,
  DEFAULT_WEBHOOK_RETRY_DELAYS,
} from '../core/webhooks/model';
import { parseEnv } from './config';

const flag = z.pipe(
  z._default(z.enum(['true', 'false']), 'false'),
  z.transform((v: 'true' | 'false') => v === 'true'),
);

const delays = z.pipe(
  z._default(
    z.string().check(z.regex(/^\d+(,\d+)*$/, 'must be comma-separated seconds')),
    DEFAULT_WEBHOOK_RETRY_DELAYS.join(','),
  ),
  z.transform((v: string) => v.split(',').map(Number)),
);

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

const required = () => z.string().check(z.minLength(1));

const eventsSchema = z.object({
  TABLE_NAME: required(),
  EVENTS_TOPIC_ARN: required(),
  WEBHOOK_QUEUE_URL: required(),
  WEBHOOK_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 30),
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

const senderSchema = z.extend(policySchema, {
  TABLE_NAME: required(),
  WEBHOOK_QUEUE_URL: required(),
  WEBHOOK_DLQ_URL: required(),
  WEBHOOK_RETRY_DELAYS_SECONDS: delays,
  WEBHOOK_DISABLE_AFTER_SECONDS: z._default(
    z.coerce.number().check(z.int(), z.positive()),
    DEFAULT_WEBHOOK_DISABLE_AFTER_MS / 1000,
  ),
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

const apiWebhookSchema = z.extend(policySchema, { WEBHOOK_QUEUE_URL: z.optional(z.string()) });

/** The api function's webhook settings; undefined when this deployment has no webhook queue. */
export function loadApiWebhookConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(apiWebhookSchema, env);
  if (!parsed.WEBHOOK_QUEUE_URL) return undefined;
  return { queueUrl: parsed.WEBHOOK_QUEUE_URL, policy: policyOf(parsed) };
}
