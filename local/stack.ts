import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { ensureConsoleBuilt } from '../console/build';
import { ApiKeyStore } from '../functions/adapters/dynamodb/api-key-store';
import { SCOPES } from '../functions/core/access/api-keys';
import type { ReconcileReport } from '../functions/core/delivery/reconcile';
import {
  ATTEMPT_MAX_MS,
  CHANNELS,
  type Channel,
  MAX_RECEIVE_COUNT,
} from '../functions/core/notifications/model';
import type { ReleaseResult } from '../functions/core/notifications/release';
import { createConsoleHandler, readConsoleAssets } from '../functions/handlers/console';
import type { UsagePlanLimits } from '../lib/config';
import { startDynamoEmulator } from './emulators/dynamodb';
import { withIdempotencyTable } from './emulators/idempotency-table';
import {
  createLambdaContext,
  EnvironmentPool,
  type LambdaHandler,
  loadHandler,
} from './emulators/lambda';
import { freePort } from './emulators/net';
import { type DeadLetter, startSqsEmulator } from './emulators/sqs';
import {
  createEventResources,
  type LocalEventPipeline,
  type LocalEventResources,
  startEventPipeline,
} from './events';
import { Faults } from './fakes/faults';
import { createLocalServiceAccount, startFcm } from './fakes/fcm-fake';
import { startMqtt } from './fakes/mqtt-broker';
import { FailureInjector, Outbox } from './fakes/outbox';
import { startSes } from './fakes/ses-fake';
import { startSlack } from './fakes/slack-fake';
import { startTwilio } from './fakes/twilio-fake';
import { createFeedbackPath, type LocalFeedbackPath } from './feedback';
import { type ApiHandler, type AuthorizerHandler, type HttpApi, startHttpApi } from './http-api';
import { type LambdaThread, startLambdaThreads } from './lambda-thread';
import { startReconcilerTimer } from './reconciler-timer';
import { type ShimSchedule, startSchedulerShim } from './scheduler-shim';
import { startSecretsShim } from './secrets-shim';
import { UsagePlanLimiter } from './usage-plan';

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

const HOST = '127.0.0.1';
const DEFAULT_MQTT_TOPIC_PREFIX = 'herald/';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE_NAME = 'herald-local';
const IDEMPOTENCY_TABLE_NAME = 'herald-local-idempotency';
/**
 * How long a received channel message stays hidden: one whole attempt (ATTEMPT_MAX_MS, the bound
 * the deployed stack computes its timings from), so a message never comes back while its attempt
 * may still run and burns no receive on a held lease. AWS hides it 6x the function timeout
 * (180 s); locally it stays short, so a message that failed without a backoff, or whose attempt
 * crashed, comes back within seconds.
 */
const VISIBILITY_TIMEOUT_SECONDS = Math.ceil(ATTEMPT_MAX_MS / 1000);
/** Outlives the visibility timeout, so a redelivered copy finds the lease held and waits. */
const LEASE_SECONDS = VISIBILITY_TIMEOUT_SECONDS + 5;
/** The raw development key, kept (like the table holding its hash) in the data directory. */
const DEV_KEY_FILE = 'dev-api-key';
const SECRET_IDS = { twilio: 'herald/twilio', slack: 'herald/slack', fcm: 'herald/fcm' } as const;
const RELEASE_FUNCTION = 'herald-release';

// Secrets are made once per process for the same reason as the pinned ports below: handlers
// cache what they read (Powertools caches secrets for 5 minutes).
const TWILIO_SECRET = {
  accountSid: `AC${randomBytes(16).toString('hex')}`,
  authToken: randomBytes(16).toString('hex'),
  smsFrom: '+15005550006',
  whatsappFrom: '+14155238886',
};
let serviceAccount: ReturnType<typeof createLocalServiceAccount> | undefined;
const fcmServiceAccount = () => {
  serviceAccount ??= createLocalServiceAccount();
  return serviceAccount;
};

/**
 * Handler modules are imported once per process and build their clients from process.env at
 * import, so a second stack in the same process must serve the same endpoints: the first stack
 * pins the ports and later ones bind to them again.
 */
let pinnedPorts: Record<string, number> | undefined;
let running = false;
/**
 * Settings read at import (MESSAGE_DELAY_HORIZON_SECONDS, RETRY_BASE_SECONDS...) may differ per
 * stack, so each later stack imports fresh instances of the handler files (shared modules such
 * as the AWS clients stay cached, which the pinned ports make safe).
 */
let stacksStarted = 0;

/** Start emulators, fakes, pollers and the HTTP API in this process. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (running) throw new Error('A local stack is already running in this process');
  running = true;
  try {
    return await start(options);
  } catch (error) {
    running = false;
    throw error;
  }
}

async function start(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const retryBaseSeconds = options.retryBaseSeconds ?? 1;
  const ports = pinnedPorts ?? {};
  const instance = stacksStarted++ === 0 ? undefined : String(stacksStarted);
  const dataDir = options.dataDir;
  const dataPath = (name: string) => (dataDir === undefined ? undefined : join(dataDir, name));
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const outbox = new Outbox(dataPath('outbox.jsonl'));
  const failures = new FailureInjector();
  const faults = new Faults();
  const fakes = { outbox, failures, faults, host: HOST };

  // Everything that only needs a port starts at once; a failure closes what did start.
  const cleanups: Array<() => Promise<void>> = [];
  const started = <T>(promise: Promise<T>, close: (value: T) => Promise<void>): Promise<T> =>
    promise.then((value) => {
      cleanups.push(() => close(value));
      return value;
    });
  const closeAll = async () => {
    const results = await Promise.allSettled(cleanups.splice(0).map((close) => close()));
    for (const result of results) {
      if (result.status === 'rejected') log(`[stack] close failed: ${String(result.reason)}`);
    }
  };
  const sqsStarting = started(
    startSqsEmulator({
      port: ports.sqs ?? 0,
      region: REGION,
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      queuePrefix: 'herald',
      ...(dataDir !== undefined && { dataDir: join(dataDir, 'sqs') }),
    }),
    (s) => s.stop(),
  );
  const dynamoStarting = started(
    startDynamoEmulator({
      host: HOST,
      port: ports.dynamodb ?? 0,
      region: REGION,
      tableName: TABLE_NAME,
      credentials: CREDENTIALS,
      ...(dataDir !== undefined && { path: join(dataDir, 'dynamodb') }),
      stream: true,
    }).then((d) => withIdempotencyTable(d, IDEMPOTENCY_TABLE_NAME)),
    (d) => d.stop(),
  );
  const secretsStarting = started(
    startSecretsShim({
      host: HOST,
      port: ports.secrets ?? 0,
      region: REGION,
      secrets: {
        [SECRET_IDS.twilio]: JSON.stringify(TWILIO_SECRET),
        [SECRET_IDS.slack]: JSON.stringify({ botToken: 'xoxb-herald-local' }),
        [SECRET_IDS.fcm]: JSON.stringify(fcmServiceAccount()),
      },
    }),
    (s) => s.close(),
  );
  // The SES fake publishes events into the feedback path, created once fauxqs is up.
  let feedback: LocalFeedbackPath | undefined;
  const publishEvent = (set: string, event: unknown) => feedback?.publish(set, event);
  const sesStarting = started(startSes({ ...fakes, port: ports.ses ?? 0, publishEvent }), (f) =>
    f.close(),
  );
  const slackStarting = started(startSlack({ ...fakes, port: ports.slack ?? 0 }), (f) => f.close());
  const twilioStarting = started(
    startTwilio({
      ...fakes,
      port: ports.twilio ?? 0,
      authTokens: { [TWILIO_SECRET.accountSid]: TWILIO_SECRET.authToken },
      log,
    }),
    (f) => f.close(),
  );
  // Handlers read the API's public URL (Twilio's statusCallback) at import: known before start.
  const apiPortStarting =
    ports.api ?? (options.port === 0 ? freePort(HOST) : Promise.resolve(options.port ?? 3000));
  const fcmStarting = started(startFcm({ ...fakes, port: ports.fcm ?? 0 }), (f) => f.close());
  // Schedules are only created through the API, which is up after the release handler loads.
  let releaseHandler: ReleaseHandler | undefined;
  const invokeRelease = async (input: unknown): Promise<ReleaseResult> => {
    if (!releaseHandler) throw new Error('functions/handlers/release-scheduled.ts is not wired');
    return releaseHandler(input, createLambdaContext(RELEASE_FUNCTION, REGION));
  };
  const schedulerStarting = started(
    startSchedulerShim({
      host: HOST,
      port: ports.scheduler ?? 0,
      invoke: async (schedule) => {
        await invokeRelease(JSON.parse(schedule.input));
      },
      onError: (schedule, error) =>
        log(`[scheduler] ${schedule.name} failed, retrying on the next tick: ${String(error)}`),
      ...(dataDir !== undefined && { file: join(dataDir, 'schedules.json') }),
    }),
    (s) => s.close(),
  );
  const mqttStarting = started(
    startMqtt({ ...fakes, httpPort: ports.iotData ?? 0, mqttPort: options.mqttPort ?? 0 }),
    (m) => m.close(),
  );
  const all = [
    sqsStarting,
    dynamoStarting,
    secretsStarting,
    sesStarting,
    slackStarting,
    twilioStarting,
    fcmStarting,
    mqttStarting,
    schedulerStarting,
  ];
  const failed = (await Promise.allSettled(all)).find((r) => r.status === 'rejected');
  if (failed) {
    await closeAll();
    throw failed.reason;
  }
  const sqsEmulator = await sqsStarting;
  const dynamo = await dynamoStarting;
  const secrets = await secretsStarting;
  const ses = await sesStarting;
  const slack = await slackStarting;
  const twilio = await twilioStarting;
  const fcm = await fcmStarting;
  const mqtt = await mqttStarting;
  const scheduler = await schedulerStarting;
  let eventResources: LocalEventResources;
  try {
    eventResources = await createEventResources({
      region: REGION,
      endpoint: sqsEmulator.endpoint,
      credentials: CREDENTIALS,
      stage: 'local',
      ...(options.webhookRetryDelaysSeconds && {
        webhookRetryDelaysSeconds: options.webhookRetryDelaysSeconds,
      }),
      ...(options.webhookAllowPrivate !== undefined && {
        webhookAllowPrivate: options.webhookAllowPrivate,
      }),
      ...(options.webhookCacheSeconds !== undefined && {
        webhookCacheSeconds: options.webhookCacheSeconds,
      }),
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
  const apiPort = await apiPortStarting;
  const apiUrl = `http://${HOST}:${apiPort}`;
  feedback = createFeedbackPath(sqsEmulator.server, {
    region: REGION,
    prefix: 'herald',
    maxReceiveCount: MAX_RECEIVE_COUNT,
    log,
  });

  // Handlers must never learn they are local: only endpoints and credentials differ from AWS.
  const env: Record<string, string> = {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SESV2: stripSlash(ses.url),
    AWS_ENDPOINT_URL_IOT_DATA_PLANE: stripSlash(mqtt.dataPlaneUrl),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    AWS_ENDPOINT_URL_SCHEDULER: scheduler.url,
    TABLE_NAME,
    IDEMPOTENCY_TABLE_NAME,
    ...Object.fromEntries(
      CHANNELS.flatMap((channel) => {
        const queues = sqsEmulator.queues[channel];
        return [
          [`QUEUE_URL_${channel.toUpperCase()}`, queues.url],
          [`HIGH_QUEUE_URL_${channel.toUpperCase()}`, queues.highUrl],
          // The dead-letter routes of the api function look at and replay these.
          [`DLQ_URL_${channel.toUpperCase()}`, queues.dlqUrl],
        ];
      }),
    ),
    SCHEDULER_GROUP_NAME: 'herald-local',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/herald-local-scheduler',
    RELEASE_TARGET_ARN: `arn:aws:lambda:${REGION}:000000000000:function:${RELEASE_FUNCTION}`,
    ...(options.messageDelayHorizonSeconds === undefined
      ? {}
      : { MESSAGE_DELAY_HORIZON_SECONDS: String(options.messageDelayHorizonSeconds) }),
    EMAIL_FROM: 'Herald <herald@example.com>',
    // As deployed (cdk.json mqttTopicPrefix): each tenant publishes under `herald/<tenant>/`.
    MQTT_TOPIC_PREFIX: options.mqttTopicPrefix ?? DEFAULT_MQTT_TOPIC_PREFIX,
    SES_CONFIGURATION_SET: feedback.configurationSet,
    TWILIO_SECRET_ID: SECRET_IDS.twilio,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_STATUS_CALLBACK_URL: `${apiUrl}/v1/providers/twilio/status`,
    SLACK_SECRET_ID: SECRET_IDS.slack,
    SLACK_API_URL: slack.url,
    FCM_SECRET_ID: SECRET_IDS.fcm,
    FCM_API_BASE_URL: fcm.url,
    // Revoking a key locally takes effect at once; deployed, the authorizer caches for 60 s.
    AUTHORIZER_CACHE_SECONDS: '0',
    MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    RECONCILE_AFTER_SECONDS: String(options.reconcileAfterSeconds ?? 30),
    RETRY_BASE_SECONDS: String(retryBaseSeconds),
    // A delivery that always fails must reach its DLQ in well under 30 s locally.
    RETRY_MAX_SECONDS: String(Math.max(retryBaseSeconds, 8)),
    LEASE_SECONDS: String(options.leaseSeconds ?? LEASE_SECONDS),
    POWERTOOLS_METRICS_NAMESPACE: 'Herald',
    // EMF lines on every invocation would drown the console; metrics are an AWS concern.
    POWERTOOLS_METRICS_DISABLED: 'true',
    // No X-Ray daemon here: the functions' Tracer stays off (a setting, not a code branch).
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    ...eventResources.env,
  };
  Object.assign(process.env, env);

  const apiKey = options.devApiKey ?? developmentKey(dataPath(DEV_KEY_FILE));
  const doc = DynamoDBDocumentClient.from(dynamo.client);

  let api: ApiHandler | undefined;
  let authorizer: AuthorizerHandler | undefined;
  let lambdaStarting: Promise<LambdaThread> | undefined;
  let httpApi: HttpApi | undefined;
  let reconcileHandler: LambdaHandler<unknown, ReconcileReport> | undefined;
  let eventPipeline: LocalEventPipeline | undefined;
  try {
    // Importing the handlers (and the SDKs they pull in) is most of the start-up time; the
    // channel handlers load on the Lambda thread meanwhile, on the other core.
    lambdaStarting = startLambdaThreads(
      {
        env,
        region: REGION,
        functions: [
          ...CHANNELS.map((channel) => {
            const queues = sqsEmulator.queues[channel];
            return {
              name: `send-${channel}`,
              lanes: [
                { url: queues.url, arn: queues.arn },
                { url: queues.highUrl, arn: queues.highArn },
              ],
            };
          }),
          // SES events: configuration set -> topic -> this queue -> the feedback function.
          { name: 'feedback', lanes: [{ url: feedback.queueUrl, arn: feedback.queueArn }] },
        ],
        // One handler copy per receive loop and lane (see PollerOptions.environments).
        pollersPerLane: options.pollersPerChannel ?? 2,
        startPollers: options.pollers !== false,
        // Google's OAuth endpoint is hard-coded in firebase-admin's credential: see the preload.
        preload: [
          new URL('./google-oauth-preload.ts', import.meta.url).href,
          ...(options.lambdaPreload ?? []),
        ],
      },
      options.lambdaThreads ?? 2,
      log,
    );
    let lambdaThread: LambdaThread;
    [api, authorizer, lambdaThread] = await Promise.all([
      loadHandler<APIGatewayProxyEvent, APIGatewayProxyResult>('api', instance),
      loadHandler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>(
        'authorizer',
        instance,
      ),
      lambdaStarting,
      loadHandler<unknown, ReleaseResult>('release-scheduled', instance).then((h) => {
        releaseHandler = h;
      }),
      loadHandler<unknown, ReconcileReport>('reconcile', instance).then((h) => {
        reconcileHandler = h;
      }),
      // The same item the keys CLI writes: only the key's SHA-256 is stored. The development
      // key may do everything, so the console can show every view.
      new ApiKeyStore(doc, TABLE_NAME)
        .create('local', { key: apiKey, scopes: SCOPES })
        .catch((error: unknown) => {
          // A kept table already holds this key (or its revocation, which stays in force).
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }),
    ]);
    for (const [name, present] of [
      ['api', api],
      ['authorizer', authorizer],
      ['release-scheduled', releaseHandler],
      ...CHANNELS.map((c) => [`send-${c}`, !lambdaThread.missing.includes(`send-${c}`)] as const),
    ] as const) {
      if (!present) log(`[stack] functions/handlers/${name}.ts does not exist: not wired`);
    }

    const pipeline = await startEventPipeline({
      dynamo,
      resources: eventResources,
      region: REGION,
      tableName: TABLE_NAME,
      endpoint: sqsEmulator.endpoint,
      instance,
      log,
      // The stream's records outlive a crash, as a DynamoDB Stream's do (24 hours in AWS).
      ...(dataDir !== undefined && { journalFile: join(dataDir, 'stream.jsonl') }),
    });
    eventPipeline = pipeline;

    let stopping: Promise<void> | undefined;
    const startPollers = () => {
      if (stopping) throw new Error('The local stack is stopped');
      lambdaThread.startPollers();
    };

    const dlq = async () =>
      Object.fromEntries(CHANNELS.map((c) => [c, sqsEmulator.deadLetters(c)])) as Record<
        Channel,
        DeadLetter[]
      >;
    // Concurrent HTTP requests get their own environments, like concurrent Lambda invocations.
    const pooled = <E, R>(name: string, first: LambdaHandler<E, R> | undefined) => {
      if (!first) return undefined;
      const pool = new EnvironmentPool(first, (n) =>
        loadHandler<E, R>(name, `${instance ?? 1}-${n}`),
      );
      return (event: E, context: Context) => pool.invoke(event, context);
    };
    httpApi = await startHttpApi({
      host: HOST,
      port: apiPort,
      region: REGION,
      api: pooled('api', api),
      authorizer: pooled('authorizer', authorizer),
      // Built from console/src on first request when the sources changed since the last build.
      console: createConsoleHandler(async () => readConsoleAssets(await ensureConsoleBuilt())),
      local: { outbox: () => outbox.list(), dlq, faults },
      log,
      ...(options.authorizerCacheSeconds
        ? { authorizerCacheSeconds: options.authorizerCacheSeconds }
        : {}),
      ...(options.usagePlan ? { usagePlan: new UsagePlanLimiter(options.usagePlan) } : {}),
    });

    pinnedPorts = {
      sqs: sqsEmulator.port,
      dynamodb: dynamo.port,
      secrets: portOf(secrets.url),
      ses: portOf(ses.url),
      slack: portOf(slack.url),
      twilio: portOf(twilio.url),
      fcm: portOf(fcm.url),
      iotData: portOf(mqtt.dataPlaneUrl),
      scheduler: portOf(scheduler.url),
      api: apiPort,
    };

    const http = httpApi;
    const reconcileIntervalMs = options.reconcileIntervalMs ?? 5_000;
    const reconciler =
      reconcileHandler && reconcileIntervalMs > 0
        ? startReconcilerTimer({
            handler: reconcileHandler,
            intervalMs: reconcileIntervalMs,
            region: REGION,
            log,
          })
        : undefined;
    return {
      url: http.url,
      devApiKey: apiKey,
      mqttUrl: mqtt.mqttUrl,
      outbox,
      failures,
      faults,
      env,
      dlq,
      startPollers,
      schedules: () => scheduler.schedules(),
      release: (notificationId) => invokeRelease({ notificationId }),
      reconcile: () => {
        if (!reconcileHandler) throw new Error('functions/handlers/reconcile.ts is not wired');
        return reconcileHandler({}, createLambdaContext('herald-reconcile', REGION, 120_000));
      },
      events: { ...eventResources, pipeline },
      stop() {
        // Front door first, then the pollers (letting batches in flight finish), then the rest.
        stopping ??= (async () => {
          await http.close().catch((e: unknown) => log(`[stack] close failed: ${String(e)}`));
          await reconciler?.stop();
          await lambdaThread.stop();
          await pipeline.stop();
          await closeAll();
          running = false;
        })();
        return stopping;
      },
    };
  } catch (error) {
    await httpApi?.close().catch(() => undefined);
    await eventPipeline?.stop().catch(() => undefined);
    await lambdaStarting?.then(
      (thread) => thread.stop(),
      () => undefined,
    );
    await closeAll();
    throw error;
  }
}

type ReleaseHandler = LambdaHandler<unknown, ReleaseResult>;

/** The key from `file` when there is one, else a new one (written to `file` if given). */
function developmentKey(file: string | undefined): string {
  if (file && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `hk_dev_${randomBytes(32).toString('base64url')}`;
  // Owner-only: it is a credential, even if only for the local stack.
  if (file) writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function stripSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
