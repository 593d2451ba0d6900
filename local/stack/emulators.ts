import { join } from 'node:path';
import { MAX_RECEIVE_COUNT } from '../../functions/core/notifications/model';
import { startDynamoEmulator } from '../emulators/dynamodb';
import { withIdempotencyTable } from '../emulators/idempotency-table';
import { reservePort } from '../emulators/net';
import { startSqsEmulator } from '../emulators/sqs';
import { createEventResources, type LocalEventResources } from '../events';
import { Faults } from '../fakes/faults';
import { startFcm } from '../fakes/fcm-fake';
import { startMqtt } from '../fakes/mqtt-broker';
import { FailureInjector, Outbox } from '../fakes/outbox';
import { ProviderRates } from '../fakes/rate-enforcer';
import { startSes } from '../fakes/ses-fake';
import { startSlack } from '../fakes/slack-fake';
import { startTwilio } from '../fakes/twilio-fake';
import { createFeedbackPath, type LocalFeedbackPath } from '../feedback';
import { startSchedulerShim } from '../scheduler-shim';
import { startSecretsShim } from '../secrets-shim';
import type { LocalStackOptions } from './options';
import {
  CREDENTIALS,
  DEFAULT_SENDER_RATE_SCALE,
  fcmServiceAccount,
  HOST,
  IDEMPOTENCY_TABLE_NAME,
  REGION,
  SECRET_IDS,
  TABLE_NAME,
  TWILIO_SECRET,
  UNSUBSCRIBE_SECRET,
  VISIBILITY_TIMEOUT_SECONDS,
} from './settings';

/** What the handlers talk to: the AWS stand-ins, the provider fakes and the event resources. */
export type LocalEmulators = Awaited<ReturnType<typeof startEmulators>>;

/**
 * Starts every emulator and fake (all at once: each needs only a port), then the event and
 * feedback resources inside the SQS emulator. `ports` are the ports a previous stack in this
 * process pinned; `release` is what a due schedule invokes. On failure, closes what did start.
 */
export async function startEmulators(
  options: LocalStackOptions,
  context: {
    log: (line: string) => void;
    ports: Record<string, number>;
    dataPath: (name: string) => string | undefined;
    release: (input: unknown) => Promise<unknown>;
  },
) {
  const { log, ports, dataPath, release } = context;
  const dataDir = options.dataDir;
  const outbox = new Outbox(dataPath('outbox.jsonl'));
  const failures = new FailureInjector();
  const faults = new Faults();
  const fakes = { outbox, failures, faults, host: HOST };
  const providerRates = new ProviderRates(options.senderRateScale ?? DEFAULT_SENDER_RATE_SCALE);

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
        [SECRET_IDS.unsubscribe]: JSON.stringify(UNSUBSCRIBE_SECRET),
      },
    }),
    (s) => s.close(),
  );
  // The SES fake publishes events into the feedback path, created once fauxqs is up.
  let feedback: LocalFeedbackPath | undefined;
  const publishEvent = (set: string, event: unknown) => feedback?.publish(set, event);
  const sesStarting = started(
    startSes({ ...fakes, rates: providerRates, port: ports.ses ?? 0, publishEvent }),
    (f) => f.close(),
  );
  const slackStarting = started(
    startSlack({ ...fakes, rates: providerRates, port: ports.slack ?? 0 }),
    (f) => f.close(),
  );
  const twilioStarting = started(
    startTwilio({
      ...fakes,
      port: ports.twilio ?? 0,
      authTokens: { [TWILIO_SECRET.accountSid]: TWILIO_SECRET.authToken },
      rates: providerRates,
      log,
    }),
    (f) => f.close(),
  );
  // Handlers read the API's public URL (Twilio's statusCallback) at import: known before start.
  // A port picked here is held until the HTTP API listens on it (releaseApiPort).
  const fixed = ports.api ?? (options.port === 0 ? undefined : (options.port ?? 3000));
  const apiPortStarting =
    fixed === undefined
      ? reservePort(HOST)
      : Promise.resolve({ port: fixed, release: async () => {} });
  const fcmStarting = started(
    startFcm({ ...fakes, rates: providerRates, port: ports.fcm ?? 0 }),
    (f) => f.close(),
  );
  const schedulerStarting = started(
    startSchedulerShim({
      host: HOST,
      port: ports.scheduler ?? 0,
      invoke: async (schedule) => {
        await release(JSON.parse(schedule.input));
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
  const { port: apiPort, release: releaseApiPort } = await apiPortStarting;
  const apiUrl = `http://${HOST}:${apiPort}`;
  feedback = createFeedbackPath(sqsEmulator.server, {
    region: REGION,
    prefix: 'herald',
    maxReceiveCount: MAX_RECEIVE_COUNT,
    log,
  });

  return {
    outbox,
    failures,
    faults,
    providerRates,
    sqsEmulator,
    dynamo,
    secrets,
    ses,
    slack,
    twilio,
    fcm,
    mqtt,
    scheduler,
    eventResources,
    feedback,
    apiPort,
    releaseApiPort,
    apiUrl,
    closeAll,
  };
}
