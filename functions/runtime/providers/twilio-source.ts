import { z } from 'zod';
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

const envSchema = z.object({
  TWILIO_SECRET_ID: z.string().min(1),
  TWILIO_API_BASE_URL: z.url().optional(),
});

const secretSchema = z.object({
  accountSid: z.string().min(1),
  authToken: z.string().min(1),
  smsFrom: z.string().min(1).optional(),
  whatsappFrom: z.string().min(1).optional(),
  messagingServiceSid: z.string().min(1).optional(),
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
    });
  });
}
