import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import type { Channel } from '../domain/types';
import type { ChannelProvider } from './channel-provider';
import { SesEmailProvider } from './email/ses-email-provider';
import { IotMqttProvider } from './mqtt/iot-mqtt-provider';
import { FcmPushProvider } from './push/fcm-push-provider';
import { SlackProvider } from './slack/slack-provider';
import { TwilioMessagingProvider } from './sms/twilio-messaging-provider';

/** A missing or malformed provider setting or secret; the message names it. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

/** Hands out the channel's provider, rebuilt only when its secret has changed. */
export interface ProviderSource<C extends Channel = Channel> {
  get(): Promise<ChannelProvider<C>>;
}

/** Reads a secret's parsed JSON value; Powertools (cached 5 minutes) unless a test injects one. */
export type SecretReader = (secretId: string) => Promise<unknown>;

/** Test seams; production code passes nothing. */
export interface ProviderSourceDeps {
  readSecret?: SecretReader;
}

const SECRET_MAX_AGE_SECONDS = 300;

const readSecretWithPowertools: SecretReader = (secretId) =>
  getSecret(secretId, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS });

// Built once per container. maxAttempts 1: SQS owns retries (with backoff and the DLQ), so an
// SDK retry loop inside the invocation would only hide throttling and double the wait.
const sesClient = new SESv2Client({ maxAttempts: 1 });
const iotClients = new Map<string, IoTDataPlaneClient>();

function iotClient(endpoint: string | undefined): IoTDataPlaneClient {
  const key = endpoint ?? '';
  let client = iotClients.get(key);
  if (!client) {
    client = new IoTDataPlaneClient({ maxAttempts: 1, ...(endpoint && { endpoint }) });
    iotClients.set(key, client);
  }
  return client;
}

const optionalUrl = z.url().optional();

const envSchemas = {
  email: z.object({
    EMAIL_FROM: z.string().min(1),
    SES_CONFIGURATION_SET: z.string().min(1).optional(),
  }),
  twilio: z.object({
    TWILIO_SECRET_ID: z.string().min(1),
    TWILIO_API_BASE_URL: optionalUrl,
  }),
  push: z.object({
    FCM_SECRET_ID: z.string().min(1),
    FCM_API_BASE_URL: optionalUrl,
  }),
  slack: z.object({
    SLACK_SECRET_ID: z.string().min(1),
    SLACK_API_URL: z
      .url()
      .refine((url) => url.endsWith('/api/'), 'must end in /api/')
      .optional(),
  }),
  mqtt: z.object({
    IOT_DATA_ENDPOINT: optionalUrl,
  }),
};

const twilioSecretSchema = z.object({
  accountSid: z.string().min(1),
  authToken: z.string().min(1),
  smsFrom: z.string().min(1).optional(),
  whatsappFrom: z.string().min(1).optional(),
  messagingServiceSid: z.string().min(1).optional(),
});

const serviceAccountSchema = z.looseObject({
  project_id: z.string().min(1),
  client_email: z.string().min(1),
  private_key: z.string().min(1),
  private_key_id: z.string().optional(),
});

const slackSecretSchema = z.object({ botToken: z.string().min(1) });

/**
 * The provider source for one channel function. Settings are validated now, so a missing one
 * fails at cold start with its name; secrets are read on `get()`.
 */
export function createProviderSource<C extends Channel>(
  channel: C,
  env: NodeJS.ProcessEnv = process.env,
  deps: ProviderSourceDeps = {},
): ProviderSource<C> {
  const readSecret = deps.readSecret ?? readSecretWithPowertools;
  return buildSource(channel, env, readSecret) as unknown as ProviderSource<C>;
}

function buildSource(
  channel: Channel,
  env: NodeJS.ProcessEnv,
  readSecret: SecretReader,
): ProviderSource {
  switch (channel) {
    case 'email': {
      const settings = parseEnv(envSchemas.email, env);
      const provider = new SesEmailProvider(
        {
          from: settings.EMAIL_FROM,
          ...(settings.SES_CONFIGURATION_SET !== undefined && {
            configurationSet: settings.SES_CONFIGURATION_SET,
          }),
        },
        sesClient,
      );
      return { get: async () => provider };
    }
    case 'mqtt': {
      const settings = parseEnv(envSchemas.mqtt, env);
      const provider = new IotMqttProvider(iotClient(settings.IOT_DATA_ENDPOINT));
      return { get: async () => provider };
    }
    case 'sms':
    case 'whatsapp': {
      const settings = parseEnv(envSchemas.twilio, env);
      return secretBackedSource(settings.TWILIO_SECRET_ID, readSecret, (value) => {
        const secret = parseSecret(twilioSecretSchema, value, settings.TWILIO_SECRET_ID);
        const from = channel === 'sms' ? secret.smsFrom : secret.whatsappFrom;
        if (from === undefined && secret.messagingServiceSid === undefined) {
          throw new ProviderConfigError(
            `Secret ${settings.TWILIO_SECRET_ID} needs ${channel}From or messagingServiceSid`,
          );
        }
        return new TwilioMessagingProvider(channel, {
          accountSid: secret.accountSid,
          authToken: secret.authToken,
          ...(from !== undefined && { from }),
          ...(secret.messagingServiceSid !== undefined && {
            messagingServiceSid: secret.messagingServiceSid,
          }),
          ...(settings.TWILIO_API_BASE_URL !== undefined && {
            apiBaseUrl: settings.TWILIO_API_BASE_URL,
          }),
        });
      });
    }
    case 'push': {
      const settings = parseEnv(envSchemas.push, env);
      return secretBackedSource(settings.FCM_SECRET_ID, readSecret, (value) => {
        const serviceAccount = parseSecret(serviceAccountSchema, value, settings.FCM_SECRET_ID);
        return new FcmPushProvider({
          serviceAccount,
          ...(settings.FCM_API_BASE_URL !== undefined && {
            apiBaseUrl: settings.FCM_API_BASE_URL,
          }),
        });
      });
    }
    case 'slack': {
      const settings = parseEnv(envSchemas.slack, env);
      return secretBackedSource(settings.SLACK_SECRET_ID, readSecret, (value) => {
        const secret = parseSecret(slackSecretSchema, value, settings.SLACK_SECRET_ID);
        return new SlackProvider({
          botToken: secret.botToken,
          ...(settings.SLACK_API_URL !== undefined && { apiUrl: settings.SLACK_API_URL }),
        });
      });
    }
  }
}

/**
 * Reads the secret on every `get()` (Powertools serves it from its 5-minute cache) and rebuilds
 * the provider only when the value differs from the one it was built from, so a rotated secret
 * is picked up within the cache age and ordinary calls reuse the provider and its connections.
 */
function secretBackedSource(
  secretId: string,
  readSecret: SecretReader,
  build: (value: unknown) => ChannelProvider,
): ProviderSource {
  let current: { fingerprint: string; provider: ChannelProvider } | undefined;
  let inFlight: Promise<ChannelProvider> | undefined;

  async function load(): Promise<ChannelProvider> {
    const value = await readSecret(secretId);
    if (value === undefined || value === null) {
      throw new ProviderConfigError(`Secret ${secretId} has no value`);
    }
    const fingerprint = JSON.stringify(value);
    if (current?.fingerprint !== fingerprint) {
      current = { fingerprint, provider: build(value) };
    }
    return current.provider;
  }

  return {
    get() {
      // Concurrent sends in one invocation share a single secret read.
      inFlight ??= load().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}

function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return env[name] === undefined ? `${name} is required` : `${name}: ${issue.message}`;
  });
  throw new ProviderConfigError(`Invalid provider settings: ${problems.join('; ')}`);
}

/** Validates a secret's shape; the message names fields, never their values. */
function parseSecret<T extends z.ZodType>(schema: T, value: unknown, secretId: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => issue.path.join('.') || '(root)');
  throw new ProviderConfigError(`Secret ${secretId} is malformed: check ${fields.join(', ')}`);
}
