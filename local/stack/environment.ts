import { CHANNELS, MAX_RECEIVE_COUNT } from '../../functions/core/notifications/model';
import type { LocalEmulators } from './emulators';
import type { LocalStackOptions } from './options';
import {
  CREDENTIALS,
  DEFAULT_MQTT_TOPIC_PREFIX,
  IDEMPOTENCY_TABLE_NAME,
  LEASE_SECONDS,
  REGION,
  RELEASE_FUNCTION,
  SECRET_IDS,
  stripSlash,
  TABLE_NAME,
} from './settings';

/**
 * The environment every handler runs with. Handlers must never learn they are local: only
 * endpoints, credentials and a few timings differ from what the CDK stack gives them in AWS.
 */
export function handlerEnvironment(
  options: LocalStackOptions,
  emulators: LocalEmulators,
): Record<string, string> {
  const { sqsEmulator, dynamo, ses, mqtt, secrets, scheduler, feedback, eventResources } =
    emulators;
  const { twilio, slack, fcm, apiUrl } = emulators;
  const retryBaseSeconds = options.retryBaseSeconds ?? 1;
  return {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SESV2: stripSlash(ses.url),
    // Tenants' roles for their SES identities (STS AssumeRole is answered by the SES fake).
    AWS_ENDPOINT_URL_STS: stripSlash(ses.url),
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
    // POST /v1/providers/push/{name}/verify signs its own grant (no firebase-admin in the api).
    GOOGLE_OAUTH_TOKEN_URL: `${fcm.url}/token`,
    // One-click unsubscribe links point at the local HTTP API.
    UNSUBSCRIBE_SECRET_ID: SECRET_IDS.unsubscribe,
    UNSUBSCRIBE_BASE_URL: apiUrl,
    // Revoking a key locally takes effect at once; deployed, the authorizer caches for 60 s.
    AUTHORIZER_CACHE_SECONDS: '0',
    MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    SENDER_RATE_SCALE: String(emulators.providerRates.scale),
    // As many copies of a channel function as receive loops (both lanes), batches of 10.
    SENDER_MAX_CONCURRENCY: String(2 * (options.pollersPerChannel ?? 2)),
    SENDER_BATCH_SIZE: '10',
    // Tenants' own providers: their secrets in the shim under this prefix, lists kept 5 s.
    TENANT_SECRET_PREFIX: 'herald/local/tenants/',
    PROVIDER_CACHE_SECONDS: '5',
    TENANT_SES_IDENTITIES: (
      options.tenantSesIdentities ?? ['acme.example', 'globex.example', 'unverified.example']
    ).join(','),
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
}
