import * as z from 'zod/mini';
import { TwilioMessagingProvider } from '../../adapters/providers/sms/twilio-messaging-provider';
import { twilioPool, withSenders } from '../provider-senders';
import {
  ProviderConfigError,
  type ProviderSource,
  type ProviderSourceDeps,
  parseEnv,
  parseSecret,
  secretBackedSource,
  secretReader,
} from './source';
import { twilioTenantProvider } from './twilio-tenant';

const nonEmpty = z.string().check(z.minLength(1));

const envSchema = z.object({
  TWILIO_SECRET_ID: nonEmpty,
  TWILIO_API_BASE_URL: z.optional(z.url()),
  /** `<API URL>/v1/providers/twilio/status`: where Twilio reports what became of each message. */
  TWILIO_STATUS_CALLBACK_URL: z.optional(z.url()),
});

/** One sender, or a pool of them (each recipient sticks to one; see core/providers/senders.ts). */
const senders = z.union([nonEmpty, z.array(nonEmpty).check(z.minLength(1))]);
const firstOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

const secretSchema = z.object({
  accountSid: nonEmpty,
  authToken: nonEmpty,
  smsFrom: z.optional(senders),
  whatsappFrom: z.optional(senders),
  messagingServiceSid: z.optional(nonEmpty),
  /** Units per second per sender, when the account's are not the published ones. */
  ratePerSecond: z.optional(z.number().check(z.positive())),
});

/** The sms or whatsapp function's provider: Twilio, credentials from the Twilio secret. */
export function createTwilioSource<C extends 'sms' | 'whatsapp'>(
  channel: C,
  env: NodeJS.ProcessEnv = process.env,
  deps: ProviderSourceDeps = {},
): ProviderSource<C> {
  const settings = parseEnv(envSchema, env);
  const read = secretReader(deps);
  const source = secretBackedSource('Twilio', settings.TWILIO_SECRET_ID, read, (value) => {
    const secret = parseSecret(secretSchema, value, settings.TWILIO_SECRET_ID);
    const from = firstOf(channel === 'sms' ? secret.smsFrom : secret.whatsappFrom);
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
  const withPool = withSenders(source, async () => {
    const secret = parseSecret(
      secretSchema,
      await read(settings.TWILIO_SECRET_ID),
      settings.TWILIO_SECRET_ID,
    );
    return twilioPool('stack', channel, secret);
  });
  return { ...withPool, tenant: twilioTenantProvider };
}
