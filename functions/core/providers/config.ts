import * as z from 'zod/mini';
import { phoneNumber } from '../notifications/requests/fields';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { parseSesProviderRequest, type SesProviderSettings } from './email-identity';
import { type PushProviderSettings, parsePushProviderRequest } from './push-config';
import { MAX_RATES, PUBLISHED_RATES, phoneSenderKind, RATE_UNIT, type SenderKind } from './senders';

/** Channels a tenant can bring its own provider for (this version). */
export const TENANT_PROVIDER_CHANNELS = ['sms', 'whatsapp', 'slack', 'push', 'email'] as const;
export type TenantProviderChannel = (typeof TENANT_PROVIDER_CHANNELS)[number];

/** A provider's name within a tenant and channel: in paths, keys and secret names. */
export const providerName = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9-]{0,39}$/,
      'must be 1-40 of a-z, 0-9 and -, starting with a letter or digit',
    ),
  );

const messagingServiceSid = z
  .string()
  .check(z.regex(/^MG[0-9a-f]{32}$/, 'must be MG followed by 32 hex digits'));
const twilioSender = z.union(
  [phoneNumber, z.string().check(z.regex(/^\d{5,6}$/)), messagingServiceSid],
  {
    error: 'must be an E.164 number, a 5-6 digit short code or a messaging service SID (MG...)',
  },
);
const rate = z.number().check(z.positive('must be above 0'));
const priority = z.int().check(z.minimum(1), z.maximum(100));

/** The documented request bodies (OpenAPI); `parseProviderRequest` gives per-field errors. */
export const twilioProviderSchema = z.strictObject({
  accountSid: z.string().check(z.regex(/^AC[0-9a-f]{32}$/, 'must be AC followed by 32 hex digits')),
  authToken: z
    .string()
    .check(
      z.regex(/^\S{16,128}$/, 'must be the account auth token (16-128 characters, no spaces)'),
      z.describe('write-only: kept in Secrets Manager, never returned'),
    ),
  senders: z
    .array(twilioSender)
    .check(
      z.minLength(1),
      z.maxLength(100),
      z.describe('numbers, short codes or messaging services, in order; a recipient sticks to one'),
    ),
  ratePerSecond: z
    .optional(rate)
    .check(
      z.describe(
        'per sender, in segments (SMS) or messages (WhatsApp); default the published limit of its kind',
      ),
    ),
  priority: z
    .optional(priority)
    .check(z.describe('failover order among the channel’s providers, lowest first; default 1')),
});
export const slackProviderSchema = z.strictObject({
  botToken: z
    .string()
    .check(
      z.regex(/^xoxb-[A-Za-z0-9-]{8,250}$/, 'must be a Slack bot token (xoxb-...)'),
      z.describe('write-only: kept in Secrets Manager, never returned'),
    ),
  ratePerSecond: z
    .optional(rate)
    .check(z.describe('messages per second per channel; at most 1, the default')),
  priority: z.optional(priority),
});

/** A validated PUT body: what is stored on the record, and the secret that goes to the vault. */
export interface ProviderRequest {
  settings: ProviderSettings;
  secret: Record<string, string>;
  priority: number;
}

/** What a provider record keeps in the table: never a secret. */
export type ProviderSettings =
  | { vendor: 'twilio'; accountSid: string; senders: string[]; ratePerSecond?: number }
  | { vendor: 'slack'; ratePerSecond?: number }
  | PushProviderSettings
  | SesProviderSettings;

function checkRate(
  value: number | undefined,
  kinds: readonly SenderKind[],
  errors: FieldError[],
): void {
  if (value === undefined) return;
  for (const kind of kinds) {
    if (value > MAX_RATES[kind]) {
      errors.push({
        path: 'ratePerSecond',
        message: `must be at most ${MAX_RATES[kind]} ${RATE_UNIT[kind]}s/s, the limit of a ${kind} (published default ${PUBLISHED_RATES[kind]}/s)`,
      });
      return;
    }
  }
}

/** PUT /v1/providers/{channel}/{name}: each bad field a 400 at its path, a rate named with its limit. */
export function parseProviderRequest(
  channel: TenantProviderChannel,
  body: unknown,
): ProviderRequest {
  if (channel === 'push') return parsePushProviderRequest(body);
  if (channel === 'email') return parseSesProviderRequest(body);
  const errors: FieldError[] = [];
  if (channel === 'slack') {
    const parsed = validateAt(slackProviderSchema, body, [], errors);
    checkRate(parsed?.value.ratePerSecond, ['slack-channel'], errors);
    if (!parsed || errors.length > 0) throw new InvalidRequestError(errors);
    const { botToken, ratePerSecond, priority: order } = parsed.value;
    return {
      settings: { vendor: 'slack', ...(ratePerSecond !== undefined && { ratePerSecond }) },
      secret: { botToken },
      priority: order ?? 1,
    };
  }
  const parsed = validateAt(twilioProviderSchema, body, [], errors);
  if (parsed) {
    const kinds = parsed.value.senders.map((s) =>
      channel === 'whatsapp' ? ('whatsapp' as const) : phoneSenderKind(s),
    );
    checkRate(parsed.value.ratePerSecond, kinds, errors);
  }
  if (!parsed || errors.length > 0) throw new InvalidRequestError(errors);
  const { accountSid, authToken, senders, ratePerSecond, priority: order } = parsed.value;
  return {
    settings: {
      vendor: 'twilio',
      accountSid,
      senders,
      ...(ratePerSecond !== undefined && { ratePerSecond }),
    },
    secret: { authToken },
    priority: order ?? 1,
  };
}

/** The channel and name of a provider path: a 400 naming the segment otherwise. */
export function parseProviderPath(
  channel: string,
  name: string,
): {
  channel: TenantProviderChannel;
  name: string;
} {
  const errors: FieldError[] = [];
  const c = validateAt(z.enum(TENANT_PROVIDER_CHANNELS), channel, ['channel'], errors);
  const n = validateAt(providerName, name, ['name'], errors);
  if (!c || !n) throw new InvalidRequestError(errors);
  return { channel: c.value, name: n.value };
}
