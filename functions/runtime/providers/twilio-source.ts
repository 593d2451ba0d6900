import * as z from 'zod/mini';
import { TwilioMessagingProvider } from '../../adapters/providers/sms/twilio-messaging-provider';
import {
  ProviderConfigError,
  type ProviderSource,
  type ProviderSourceDeps,
  parseEnv,
  parseSecret,
  secretBackedSource,
  secretReader,
} from './source';

const nonEmpty = z.string().check(z.minLength(1));

const envSchema = z.object({
  TWILIO_SECRET_ID: nonEmpty,
  TWILIO_API_BASE_URL: z.optional(z.url()),
  /** `<API URL>/v1/providers/twilio/status`: where Twilio reports what became of each message. */
  TWILIO_STATUS_CALLBACK_URL: z.optional(z.url()),
});

const secretSchema = z.object({
  accountSid: nonEmpty,
  authToken: nonEmpty,
  smsFrom: z.optional(nonEmpty),
  whatsappFrom: z.optional(nonEmpty),
  messagingServiceSid: z.optional(nonEmpty),
});

/** The sms or whatsapp function's provider: Twilio, credentials from the Twilio secret. */
export function createTwilioSource<C extends 'sms' | 'whatsapp'>(
  channel: C,
  env: NodeJS.ProcessEnv = process.env,
  deps: ProviderSourceDeps = {},
): ProviderSource<C> {
  const settings = parseEnv(envSchema, env);
  return secretBackedSource('Twilio', settings.TWILIO_SECRET_ID, secretReader(deps), (value) => {
    const secret = parseSecret(secretSchema, value, settings.TWILIO_SECRET_ID);
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
      ...(settings.TWILIO_STATUS_CALLBACK_URL !== undefined && {
        statusCallbackUrl: settings.TWILIO_STATUS_CALLBACK_URL,
      }),
    });
  });
}
