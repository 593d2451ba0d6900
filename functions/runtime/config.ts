// zod/mini: tree-shakes to ~20 KB, where classic zod is ~450 KB in every bundle that imports it.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { SchedulerSettings } from '../adapters/scheduler/eventbridge-scheduler';
import type { ChannelQueues } from '../adapters/sqs/delivery-queue';
import type { DeadLetterSource } from '../core/dead-letters/queues';
import {
  ATTEMPT_MAX_MS,
  CHANNELS,
  type Channel,
  LEASE_SECONDS,
  MAX_RECEIVE_COUNT,
  RECONCILE_AFTER_SECONDS,
} from '../core/notifications/model';
import { DEFAULT_MAX_RECIPIENTS_PER_CHANNEL } from '../core/notifications/requests/limits';

/*
 * zod/mini has no messages of its own (every issue reads "Invalid input"): load the English ones
 * (3 KiB; `z.locales.en()` through the namespace would bundle every locale, ~260 KiB). Operators
 * read them in configuration errors, and tests, which load classic zod (English included) through
 * lib/ and local/, then see the messages production gives. Every function imports this module.
 */
z.config(en());

/** Thrown at cold start when a setting is missing or malformed; names the variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

const positiveInt = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

/**
 * Validates environment settings with `schema`; the error names each bad or missing variable
 * (never its value). `fail` builds the error, so each caller keeps its own error type.
 */
export function parseEnv<T extends z.core.$ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  fail: (message: string) => Error = (message) =>
    new ConfigurationError(`Invalid configuration: ${message}`),
): z.infer<T> {
  // Any zod schema, classic or mini: both are $ZodType.
  const result = z.safeParse(schema, env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return env[name] === undefined ? `${name} is required` : `${name}: ${issue.message}`;
  });
  throw fail(problems.join('; '));
}

export const queueUrlVariable = (channel: Channel) => `QUEUE_URL_${channel.toUpperCase()}`;
export const highQueueUrlVariable = (channel: Channel) => `HIGH_QUEUE_URL_${channel.toUpperCase()}`;

/** DLQ_URL_<CHANNEL> for a channel's DLQ, SCHEDULE_DLQ_URL for failed releases. */
export const deadLetterQueueUrlVariable = (source: DeadLetterSource) =>
  source === 'schedule' ? 'SCHEDULE_DLQ_URL' : `DLQ_URL_${source.toUpperCase()}`;

/** The DLQs named in `env`: those a replay can look at. */
function deadLetterQueuesFrom(env: NodeJS.ProcessEnv): Partial<Record<DeadLetterSource, string>> {
  const urls: Partial<Record<DeadLetterSource, string>> = {};
  for (const source of [...CHANNELS, 'schedule'] as const) {
    const url = env[deadLetterQueueUrlVariable(source)];
    if (url) urls[source] = url;
  }
  return urls;
}

/** Queue URLs per lane for the channels enabled in this deployment (those with a variable). */
function queuesFrom(env: NodeJS.ProcessEnv): Partial<Record<Channel, ChannelQueues>> {
  const queues: Partial<Record<Channel, ChannelQueues>> = {};
  for (const channel of CHANNELS) {
    const normal = env[queueUrlVariable(channel)];
    if (!normal) continue;
    const high = env[highQueueUrlVariable(channel)];
    queues[channel] = high ? { normal, high } : { normal };
  }
  return queues;
}

// Schemas are built by functions, not at module scope, so that a bundle using only
// loadTableName (the authorizer) tree-shakes zod away entirely.
const commonSchema = () =>
  z.object({
    TABLE_NAME: z.string().check(z.minLength(1)),
    DATA_RETENTION_DAYS: positiveInt(90),
    // The api writes each notification's reconcile time; the reconciler applies the same delay.
    RECONCILE_AFTER_SECONDS: positiveInt(RECONCILE_AFTER_SECONDS),
  });

const optionalString = () => z.optional(z.string());

const apiSchema = () =>
  z.extend(commonSchema(), {
    MAX_RECIPIENTS_PER_CHANNEL: positiveInt(DEFAULT_MAX_RECIPIENTS_PER_CHANNEL),
    MAX_BODY_BYTES: positiveInt(512 * 1024),
    MQTT_TOPIC_PREFIX: optionalString(),
    SCHEDULE_MAX_DAYS: positiveInt(365),
    MESSAGE_DELAY_HORIZON_SECONDS: z._default(
      z.coerce.number().check(z.int(), z.minimum(0), z.maximum(900)),
      900,
    ),
    SCHEDULER_GROUP_NAME: optionalString(),
    SCHEDULER_ROLE_ARN: optionalString(),
    RELEASE_TARGET_ARN: optionalString(),
    SCHEDULER_DLQ_ARN: optionalString(),
    EMAIL_FROM: optionalString(),
    IDEMPOTENCY_TABLE_NAME: optionalString(),
  });

/** Settings of the api function. */
export interface ApiConfig {
  tableName: string;
  retentionDays: number;
  maxRecipientsPerChannel: number;
  maxBodyBytes: number;
  mqttTopicPrefix?: string;
  /** The domain of EMAIL_FROM: the only one a request's `from` may use. */
  senderDomain?: string;
  maxScheduleAheadMs: number;
  /** Sends due within this many seconds wait as SQS message delay; later ones use a schedule. */
  messageDelayHorizonSeconds: number;
  /** When, after it is due, the reconciler looks at a notification. */
  reconcileAfterSeconds: number;
  queues: Partial<Record<Channel, ChannelQueues>>;
  /** The DLQs the dead-letter routes may look at and replay (DLQ_URL_<CHANNEL>, SCHEDULE_DLQ_URL). */
  deadLetterQueues: Partial<Record<DeadLetterSource, string>>;
  /** Where Idempotency-Key answers are kept; without it a request naming a key gets a 400. */
  idempotencyTableName?: string;
  scheduler?: SchedulerSettings;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = parseEnv(apiSchema(), env);
  const queues = queuesFrom(env);
  if (Object.keys(queues).length === 0) {
    throw new ConfigurationError('Invalid configuration: no QUEUE_URL_<CHANNEL> is set');
  }
  const config: ApiConfig = {
    tableName: parsed.TABLE_NAME,
    retentionDays: parsed.DATA_RETENTION_DAYS,
    maxRecipientsPerChannel: parsed.MAX_RECIPIENTS_PER_CHANNEL,
    maxBodyBytes: parsed.MAX_BODY_BYTES,
    maxScheduleAheadMs: parsed.SCHEDULE_MAX_DAYS * 24 * 3600 * 1000,
    messageDelayHorizonSeconds: parsed.MESSAGE_DELAY_HORIZON_SECONDS,
    reconcileAfterSeconds: parsed.RECONCILE_AFTER_SECONDS,
    queues,
    deadLetterQueues: deadLetterQueuesFrom(env),
  };
  if (parsed.MQTT_TOPIC_PREFIX) config.mqttTopicPrefix = parsed.MQTT_TOPIC_PREFIX;
  if (parsed.IDEMPOTENCY_TABLE_NAME) config.idempotencyTableName = parsed.IDEMPOTENCY_TABLE_NAME;
  const senderDomain = parsed.EMAIL_FROM?.replace(/>\s*$/, '').split('@')[1]?.trim();
  if (senderDomain) config.senderDomain = senderDomain;
  if (parsed.SCHEDULER_GROUP_NAME && parsed.SCHEDULER_ROLE_ARN && parsed.RELEASE_TARGET_ARN) {
    config.scheduler = {
      groupName: parsed.SCHEDULER_GROUP_NAME,
      roleArn: parsed.SCHEDULER_ROLE_ARN,
      targetArn: parsed.RELEASE_TARGET_ARN,
    };
    if (parsed.SCHEDULER_DLQ_ARN) config.scheduler.deadLetterArn = parsed.SCHEDULER_DLQ_ARN;
  }
  return config;
}

const channelSchema = () =>
  z.extend(commonSchema(), {
    MAX_RECEIVE_COUNT: positiveInt(MAX_RECEIVE_COUNT),
    RETRY_BASE_SECONDS: positiveInt(30),
    RETRY_MAX_SECONDS: positiveInt(900),
    // At least one whole attempt: a shorter lease would let a redelivery send while it is in flight.
    LEASE_SECONDS: z._default(
      z.coerce.number().check(
        z.int(),
        z.positive(),
        z.refine((s) => s * 1000 >= ATTEMPT_MAX_MS, {
          message: `must be at least ${ATTEMPT_MAX_MS / 1000} (one whole attempt)`,
        }),
      ),
      LEASE_SECONDS,
    ),
    SEND_CONCURRENCY: positiveInt(10),
  });

/** Settings of one channel function. */
export interface ChannelConfig {
  channel: Channel;
  tableName: string;
  /** Queue URLs of this channel's lanes, to set per-message retry delays. */
  queues: ChannelQueues;
  maxReceiveCount: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** How long a claimed (`sending`) delivery is protected from a concurrent redelivery. */
  leaseMs: number;
  /** Provider calls in flight per invocation (a batch's records are otherwise all concurrent). */
  sendConcurrency: number;
}

export function loadChannelConfig(
  channel: Channel,
  env: NodeJS.ProcessEnv = process.env,
): ChannelConfig {
  const parsed = parseEnv(channelSchema(), env);
  const queues = queuesFrom(env)[channel];
  if (!queues) {
    throw new ConfigurationError(`Invalid configuration: ${queueUrlVariable(channel)} is not set`);
  }
  return {
    channel,
    tableName: parsed.TABLE_NAME,
    queues,
    maxReceiveCount: parsed.MAX_RECEIVE_COUNT,
    retryBaseSeconds: parsed.RETRY_BASE_SECONDS,
    retryMaxSeconds: parsed.RETRY_MAX_SECONDS,
    leaseMs: parsed.LEASE_SECONDS * 1000,
    sendConcurrency: parsed.SEND_CONCURRENCY,
  };
}

const reconcilerSchema = () =>
  z.extend(commonSchema(), { MAX_RECEIVE_COUNT: positiveInt(MAX_RECEIVE_COUNT) });

/** Settings of the reconciler (it also enqueues: the api's queue variables). */
export interface ReconcilerConfig {
  tableName: string;
  stuckAfterMs: number;
  maxAttempts: number;
  queues: Partial<Record<Channel, ChannelQueues>>;
}

export function loadReconcilerConfig(env: NodeJS.ProcessEnv = process.env): ReconcilerConfig {
  const parsed = parseEnv(reconcilerSchema(), env);
  return {
    tableName: parsed.TABLE_NAME,
    stuckAfterMs: parsed.RECONCILE_AFTER_SECONDS * 1000,
    maxAttempts: parsed.MAX_RECEIVE_COUNT,
    queues: queuesFrom(env),
  };
}

/** What a DLQ replay outside Lambda needs (`npm run dlq`): the table and every queue. */
export interface ReplayConfig {
  tableName: string;
  queues: Partial<Record<Channel, ChannelQueues>>;
  deadLetterQueues: Partial<Record<DeadLetterSource, string>>;
}

/** The replay settings from the same variable names the functions use. */
export function loadReplayConfig(env: NodeJS.ProcessEnv): ReplayConfig {
  return {
    tableName: parseEnv(commonSchema(), env).TABLE_NAME,
    queues: queuesFrom(env),
    deadLetterQueues: deadLetterQueuesFrom(env),
  };
}

/** Settings of the authorizer. */
export function loadTableName(env: NodeJS.ProcessEnv = process.env): string {
  // Checked by hand: the authorizer, the only user, then loads no zod at all.
  const name = env.TABLE_NAME;
  if (!name) throw new ConfigurationError('Invalid configuration: TABLE_NAME is required');
  return name;
}

/**
 * The workflow function runs are started on (its `live` alias, a qualified ARN: durable
 * executions need one), for the api, the workflow function and the trigger function. Empty in a
 * deployment without workflows: a start there fails with the engine's own error.
 */
export function loadWorkflowFunctionName(env: NodeJS.ProcessEnv = process.env): string {
  const schema = z.object({ WORKFLOW_FUNCTION_NAME: z._default(z.string(), '') });
  return parseEnv(schema, env).WORKFLOW_FUNCTION_NAME;
}
