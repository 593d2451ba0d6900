import { z } from 'zod';
import { CHANNELS, type Channel } from '../functions/core/notifications/model';
import { MAX_RATES } from '../functions/core/providers/senders';

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

const channelTuningSchema = z
  .object({
    /** SQS event source MaximumConcurrency: at most this many function instances drain the queue. */
    maxConcurrency: z.number().int().min(2).max(1000).optional(),
    /** The same for the high-priority lane's event source (2 is the minimum Lambda allows). */
    highMaxConcurrency: z.number().int().min(2).max(1000).optional(),
    /** Messages per invocation. Above 10 Lambda needs a batching window, which Herald does not set. */
    batchSize: z.number().int().min(1).max(10).optional(),
    /** Provider calls in flight inside one invocation (SEND_CONCURRENCY). */
    sendConcurrency: z.number().int().min(1).max(50).optional(),
  })
  .strict();

const emailAddress = z.email();

/** Throttle (requests/s and burst) and quota (requests per day, week or month) of a usage plan. */
export const usagePlanSchema = z
  .object({
    rateLimit: z.number().positive().max(10_000).default(10),
    burstLimit: z.number().int().min(1).max(5_000).default(20),
    quota: z
      .object({
        limit: z.number().int().min(1),
        period: z.enum(['DAY', 'WEEK', 'MONTH']).default('DAY'),
      })
      .strict()
      .default({ limit: 100_000, period: 'DAY' }),
  })
  .strict();
/** A validated usage plan. */
export type UsagePlanLimits = z.output<typeof usagePlanSchema>;

export const heraldConfigSchema = z
  .object({
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and "-", 1-20 characters'),
    senderAddress: emailAddress,
    sesConfigurationSet: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an SES configuration set name')
      .optional(),
    /** Subscribed to Herald's own alarm topic (AWS mails a confirmation link). */
    alarmEmail: emailAddress.optional(),
    /**
     * An SNS topic that already reaches someone (pager, chat, an ops mailbox): alarms publish
     * there and Herald creates no topic of its own.
     */
    alarmTopicArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
        'an SNS topic ARN',
      )
      .optional(),
    /**
     * The account is in the SES sandbox, where SES also authorizes the call against each
     * recipient's (verified) identity: the email function may then send to any identity of the
     * account in this region (`identity/*`) instead of only as the sender's. Turn off after
     * production access is granted.
     */
    sesSandbox: z.boolean().default(false),
    /**
     * The account's SES sending rate (messages/s), which the email sender holds to: default 1 in
     * the sandbox, else 14 (SES's production default; raise it with the quota AWS granted).
     */
    sesRatePerSecond: z.number().positive().max(MAX_RATES['ses-account']).optional(),
    /** X-Ray: active tracing on every function and tracing on the API stage. */
    tracing: z.boolean().default(true),
    enabledChannels: z
      .array(z.enum(CHANNELS))
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'channels must not repeat'),
    channels: z.partialRecord(z.enum(CHANNELS), channelTuningSchema).default({}),
    mqttTopicPrefix: z
      .string()
      .min(1)
      .max(200)
      .refine((p) => !/[#+]/.test(p), 'MQTT wildcards (+, #) are not allowed in the prefix')
      .refine((p) => !p.startsWith('$'), 'reserved topics ($...) are not allowed')
      .default('herald/'),
    logRetentionDays: z
      .number()
      .int()
      .refine(
        (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
        `one of ${LOG_RETENTION_DAYS.join(', ')}`,
      )
      .default(30),
    dataRetentionDays: z.number().int().min(1).max(3650).default(90),
    /** RETAIN keeps the table (and its data) when the stack is deleted. */
    tableRemovalPolicy: z.enum(['retain', 'destroy']).default('retain'),
    api: z
      .object({
        throttleRateLimit: z.number().positive().max(10_000).default(50),
        throttleBurstLimit: z.number().int().min(1).max(5_000).default(100),
        /**
         * When true every route but /health requires the usage-plan key the authorizer returns,
         * so per-tenant usage plans (throttle + quota) apply.
         */
        requireUsagePlan: z.boolean().default(false),
        /**
         * The default usage plan every tenant's API Gateway key joins (`npm run keys -- create`);
         * `--rate/--burst/--quota` give a tenant its own plan instead. The local stack enforces
         * the same limits per tenant.
         */
        usagePlan: usagePlanSchema.prefault({}),
        /**
         * Authorizer result cache at API Gateway. 0 lets either `Authorization` or `x-api-key`
         * reach the authorizer; above 0 API Gateway requires the `Authorization` header (a cached
         * REQUEST authorizer rejects requests missing any identity source), and a revoked key
         * keeps working for up to this many seconds.
         */
        authorizerCacheSeconds: z.number().int().min(0).max(3600).default(0),
        /**
         * Create the account's API Gateway CloudWatch Logs role (AWS::ApiGateway::Account), which
         * stage access logs need; retained on destroy because it is account- and region-wide.
         * false where the account already manages it (docs/deploy.md).
         */
        cloudWatchRole: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Providers per tenant (issue 22): PUT /v1/providers/{channel}/{name}. */
    tenantProviders: z
      .object({
        /** Tenants must bring their own provider: no fallback to the stack's (per channel). */
        required: z.boolean().default(false),
        /**
         * SES identities (domains or addresses) of the stack's own account that tenants may use as
         * theirs, each by one tenant; an identity in a tenant's own account needs no listing.
         */
        sesIdentities: z
          .array(z.string().regex(/^[^\s,@]+@[^\s,@]+$|^[A-Za-z0-9.-]+$/, 'a domain or address'))
          .default([]),
        /**
         * A tenant posting through the stack's Slack bot needs an allow-list of channels
         * (PUT /v1/providers/slack-allow-list); false: without one it may post to any channel.
         */
        slackAllowListRequired: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    scheduling: z
      .object({
        /** How far ahead `sendAt` may be (SCHEDULE_MAX_DAYS on the api function). */
        maxDays: z.number().int().min(1).max(3650).default(365),
      })
      .strict()
      .prefault({}),
    alarms: z
      .object({
        oldestMessageAgeSeconds: z.number().int().min(60).default(1800),
        /** Same alarm on the high-priority lanes, which should never wait long. */
        highOldestMessageAgeSeconds: z.number().int().min(60).default(300),
        functionErrorRatePercent: z.number().positive().max(100).default(5),
        api5xxPerFiveMinutes: z.number().int().min(1).default(5),
        /** API p99 latency (ms) above which the latency alarm fires (3 periods of 5 minutes). */
        apiP99LatencyMs: z.number().int().min(100).max(29_000).default(3000),
        /**
         * Permanent failures (`DeliveryFailed`) as % of a channel's finished deliveries in 5
         * minutes, counted once at least 5 failed (alarms.ts), so one bad address does not page.
         */
        deliveryFailureRatePercent: z.number().positive().max(100).default(10),
        /** Throttled invocations of a channel function in 5 minutes (2 periods in a row). */
        senderThrottlesPerFiveMinutes: z.number().int().min(1).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.alarmEmail !== undefined && cfg.alarmTopicArn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarmTopicArn'],
        message:
          'set alarmEmail (Herald creates a topic and subscribes it) or alarmTopicArn (an existing topic), not both',
      });
    }
    for (const channel of Object.keys(cfg.channels)) {
      if (!cfg.enabledChannels.includes(channel as Channel)) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', channel],
          message: `tuning given for "${channel}", which is not in enabledChannels`,
        });
      }
    }
  });

/** The validated `herald` context block. */
export type HeraldConfig = z.output<typeof heraldConfigSchema>;
/** Per-channel tuning after defaults. */
export type ChannelTuning = Required<z.output<typeof channelTuningSchema>>;

/** Raised at synth when cdk.json `context.herald` is missing or invalid; lists every bad key. */
export class HeraldConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
    this.name = 'HeraldConfigError';
  }
}

/** Validates the `herald` context block; throws HeraldConfigError naming each bad key. */
export function parseHeraldConfig(raw: unknown): HeraldConfig {
  if (raw === undefined || raw === null) {
    throw new HeraldConfigError('cdk.json context "herald" is missing', ['herald: required']);
  }
  const result = heraldConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const key = ['herald', ...issue.path.map(String)].join('.');
    return `${key}: ${issue.message}`;
  });
  throw new HeraldConfigError(
    `Invalid cdk.json context "herald":\n  ${issues.join('\n  ')}`,
    issues,
  );
}

/**
 * Defaults sized to what each provider tolerates (docs/deploy.md explains them):
 * SES sandbox sends 1 msg/s, Twilio long codes ~1 segment/s, Slack ~1 msg/s per channel,
 * while FCM (600k/min per project) and IoT Core take far more.
 */
export const CHANNEL_TUNING_DEFAULTS: Readonly<Record<Channel, ChannelTuning>> = {
  email: { maxConcurrency: 2, highMaxConcurrency: 2, batchSize: 10, sendConcurrency: 2 },
  sms: { maxConcurrency: 2, highMaxConcurrency: 2, batchSize: 5, sendConcurrency: 1 },
  whatsapp: { maxConcurrency: 2, highMaxConcurrency: 2, batchSize: 5, sendConcurrency: 2 },
  push: { maxConcurrency: 50, highMaxConcurrency: 2, batchSize: 10, sendConcurrency: 10 },
  slack: { maxConcurrency: 2, highMaxConcurrency: 2, batchSize: 5, sendConcurrency: 1 },
  mqtt: { maxConcurrency: 20, highMaxConcurrency: 2, batchSize: 10, sendConcurrency: 10 },
};

/** Channel tuning with the config's overrides applied over the provider-aware defaults. */
export function channelTuning(config: HeraldConfig, channel: Channel): ChannelTuning {
  return { ...CHANNEL_TUNING_DEFAULTS[channel], ...config.channels[channel] };
}
