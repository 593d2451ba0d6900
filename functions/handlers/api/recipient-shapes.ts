import * as z from 'zod/mini';
import { ADDRESS_STATUSES, type RecipientProfile } from '../../core/recipients/model';
import { preferencesSchema } from '../../core/recipients/validation';
import { CHANNELS } from '../../core/shared/vocabulary';

/* What the recipient routes answer (OpenAPI; integration answers are checked against it). */

const instant = z.iso.datetime({ offset: true });
const health = {
  status: z.enum(ADDRESS_STATUSES).check(z.describe('only ok addresses are sent to')),
  since: instant,
  source: z.string().check(z.describe('what said so: api, ses:Bounce, twilio:21610, fcm:...')),
};

export const profileShape = z.strictObject({
  id: z.string(),
  name: z.optional(z.string()),
  emails: z.array(z.strictObject({ address: z.string(), ...health })),
  phones: z.array(
    z.strictObject({
      number: z.string(),
      ...health,
      channels: z.optional(z.array(z.enum(['sms', 'whatsapp']))),
    }),
  ),
  pushTokens: z.array(
    z.strictObject({
      token: z.string(),
      platform: z.optional(z.enum(['ios', 'android', 'web'])),
      ...health,
    }),
  ),
  slack: z.optional(
    z.union([
      z.strictObject({ channel: z.string(), ...health }),
      z.strictObject({ userId: z.string(), ...health }),
    ]),
  ),
  mqtt: z.optional(z.strictObject({ topic: z.string(), ...health })),
  timezone: z.optional(z.string()),
  quietHours: z.optional(z.strictObject({ start: z.string(), end: z.string() })),
  locale: z.optional(z.string()),
  attributes: z.optional(z.record(z.string(), z.unknown())),
  preferences: preferencesSchema,
  createdAt: instant,
  updatedAt: instant,
  version: z.number().check(z.int(), z.minimum(1)),
  lastUnsubscribe: z.optional(
    z.strictObject({
      at: instant,
      source: z.enum(['one-click', 'preference-page']),
      category: z.optional(z.string()),
      channel: z.optional(z.enum(CHANNELS)),
      address: z.optional(z.string()),
    }),
  ),
});

export const profilePageShape = z.strictObject({
  items: z.array(profileShape),
  nextCursor: z.optional(z.string()),
});

export const batchAnswerShape = z.strictObject({
  results: z.array(
    z.union([
      z.strictObject({ id: z.string(), status: z.enum(['created', 'updated']) }),
      z.strictObject({
        id: z.string(),
        status: z.literal('error'),
        errors: z.array(z.strictObject({ path: z.string(), message: z.string() })),
      }),
    ]),
  ),
  created: z.number(),
  updated: z.number(),
  failed: z.number(),
});

/** A profile as the caller sees it: without the tenant (always the caller's own). */
export function presentProfile({ tenantId: _tenant, ...profile }: RecipientProfile) {
  return profile;
}
