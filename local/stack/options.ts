import type { ReconcileReport } from '../../functions/core/delivery/reconcile';
import type { Channel } from '../../functions/core/notifications/model';
import type { ReleaseResult } from '../../functions/core/notifications/release';
import type { UsagePlanLimits } from '../../lib/config';
import type { DeadLetter } from '../emulators/sqs';
import type { LocalEventPipeline, LocalEventResources } from '../events';
import type { Faults } from '../fakes/faults';
import type { FailureInjector, Outbox } from '../fakes/outbox';
import type { ProviderRates } from '../fakes/rate-enforcer';
import type { ShimSchedule } from '../scheduler-shim';

/*
 * What startLocalStack (local/stack.ts) takes and gives back. The stack is wired in the files
 * beside this one: settings.ts (names, secrets, timings), emulators.ts (AWS stand-ins and
 * provider fakes), environment.ts (what the handlers are told), functions.ts (handlers loaded).
 */

/** How to run the local stack; every field has a default suited to tests. */
export interface LocalStackOptions {
  /** HTTP API port; 0 picks a free one. Default 3000 (what `npm start` uses). */
  port?: number;
  /** MQTT broker port for devices; 0 picks a free one (the default; `npm start` uses 1883). */
  mqttPort?: number;
  /** RETRY_BASE_SECONDS for the channel handlers. Default 1 (30 in AWS). */
  retryBaseSeconds?: number;
  /** Concurrent receive loops per queue (each channel has a normal and a high lane). Default 2. */
  pollersPerChannel?: number;
  /** false: queues fill up but nothing consumes them until `startPollers()`. Default true. */
  pollers?: boolean;
  /** Where the stack's own diagnostics go. Default: stderr. */
  log?: (line: string) => void;
  /** Use this development API key instead of a random `hk_dev_...` one. */
  devApiKey?: string;
  /** POWERTOOLS_LOG_LEVEL of the handlers. Default: the variable if set, else WARN. */
  logLevel?: string;
  /**
   * MESSAGE_DELAY_HORIZON_SECONDS of the api function: sends due sooner wait in SQS, later ones
   * go through the Scheduler shim. Default: the function's own (900, as in AWS).
   */
  messageDelayHorizonSeconds?: number;
  /**
   * Modules (file URLs) the Lambda thread imports before the channel handlers, e.g. bench's SDK
   * request counter: the pollers and channel handlers run on that worker thread.
   */
  lambdaPreload?: string[];
  /** Worker threads the channel functions are spread over (each function on one). Default 2. */
  lambdaThreads?: number;
  /** API Gateway's authorizer result cache TTL, as the stage setting. Default 0 (no cache). */
  authorizerCacheSeconds?: number;
  /**
   * Per-tenant throttle and quota, as API Gateway's usage plans apply them (429 with Retry-After).
   * `npm start` passes cdk.json's default plan; undefined (tests, bench): no limit.
   */
  usagePlan?: UsagePlanLimits;
  /** MQTT_TOPIC_PREFIX of the api function. Default `herald/`, as cdk.json's default. */
  mqttTopicPrefix?: string;
  /**
   * Keep queues, messages, the table (with its API keys), the stream's unhandled records,
   * schedules, the outbox and the development key in this directory, and pick them up again from it on the next start
   * (`npm start` uses `.herald/data`). Default: everything in memory, gone at stop.
   */
  dataDir?: string;
  /**
   * LEASE_SECONDS of the channel functions: how long a claimed delivery is protected from a
   * redelivered copy. Default 15 (210 in AWS): longer than one attempt (ATTEMPT_MAX_MS, 10 s)
   * and than the local visibility timeout (10 s, one attempt), short enough that a crashed send
   * is retried soon.
   */
  leaseSeconds?: number;
  /** How often the reconciler runs (5 minutes in AWS). Default 5 s; 0: only on `reconcile()`. */
  reconcileIntervalMs?: number;
  /** RECONCILE_AFTER_SECONDS: when an open delivery counts as stuck. Default 30 (1800 in AWS). */
  reconcileAfterSeconds?: number;
  /** Waits before webhook attempts 2, 3, ... in seconds. Default 1 s each (AWS: 5 s ... 10 h). */
  webhookRetryDelaysSeconds?: number[];
  /** Allow http:// and private-address webhook receivers. Default true; false = as deployed. */
  webhookAllowPrivate?: boolean;
  /**
   * Multiplies every provider's documented send rate, in the fakes and in the functions
   * (SENDER_RATE_SCALE): a long code's 1 segment/s is 100/s by default, so tests and the bench are
   * not paced at real speed; 1 = the real rates.
   */
  senderRateScale?: number;
  /**
   * SES identities of the stack's account tenants may claim (cdk.json tenantProviders.sesIdentities).
   * Default acme.example, globex.example and unverified.example (the SES fake's convention: not verified).
   */
  tenantSesIdentities?: string[];
  /** WEBHOOK_CACHE_SECONDS of the events function. Default 0 (a new webhook gets the next event); AWS: 30. */
  webhookCacheSeconds?: number;
}

/** A running local stack. */
export interface LocalStack {
  /** Base URL of the HTTP API (API Gateway stand-in), e.g. http://127.0.0.1:3000. */
  url: string;
  /** Raw development API key for tenant `local`, every scope (`Authorization: Bearer <key>`). */
  devApiKey: string;
  /** URL devices connect to, e.g. mqtt://127.0.0.1:1883. */
  mqttUrl: string;
  outbox: Outbox;
  failures: FailureInjector;
  /** Outages and latency per channel, as `/_local/faults` sets them. */
  faults: Faults;
  /** The send rates the Twilio and Slack fakes enforce, and what they refused (429). */
  providerRates: ProviderRates;
  /** The environment the handlers run with (also applied to process.env). */
  env: Record<string, string>;
  /** Messages sitting in each channel's DLQ, without consuming them. */
  dlq(): Promise<Record<Channel, DeadLetter[]>>;
  /** Start the channel pollers (when started with `pollers: false`); no-op if running. */
  startPollers(): void;
  /** One-time schedules the Scheduler shim holds (not yet fired, or failing). */
  schedules(): ShimSchedule[];
  /** Fire a notification's release now, as its schedule would (release-scheduled handler). */
  release(notificationId: string): Promise<ReleaseResult>;
  /** Run the reconciler now, as its timer would; what it found. */
  reconcile(): Promise<ReconcileReport>;
  /** The events topic, the webhook queues and the local DynamoDB Stream. */
  events: LocalEventResources & { pipeline: LocalEventPipeline };
  stop(): Promise<void>;
}
