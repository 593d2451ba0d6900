import * as z from 'zod/mini';
import {
  emailAddress,
  phoneNumber,
  pushToken,
  slackChannel,
} from '../notifications/requests/fields';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, type PathSegment, validateAt } from '../shared/field-errors';
import { carriedBySqs, inspectBody, inspectStoredMap, storedMapKey } from '../shared/json-safety';
import { CHANNELS } from '../shared/vocabulary';
import {
  MAX_ATTRIBUTES_BYTES,
  MAX_EMAILS,
  MAX_NAME_CHARS,
  MAX_PHONES,
  MAX_PREFERENCE_CATEGORIES,
  MAX_PUSH_TOKENS,
  type ProfileInput,
  type ProfilePatch,
  RECIPIENT_ID_PATTERN,
} from './model';

/*
 * The shapes a caller writes a profile in. Each parser gives every bad field at its path, under
 * the prefix the profile sits at (`items[3].emails[0]`, `to[2].phones[1]`).
 */

export const recipientId = z
  .string()
  .check(
    z.regex(
      RECIPIENT_ID_PATTERN,
      'must be 1-128 characters: letters, digits and _ . : @ + = | ~ -',
    ),
  );

/** A category key: lower-case, as in a URL. */
export const CATEGORY_KEY_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
export const categoryKey = z
  .string()
  .check(z.regex(CATEGORY_KEY_PATTERN, 'must be 1-64 of a-z 0-9 _ . - (starting a-z or 0-9)'));

const timezone = z.string().check(
  z.refine((value: string) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return value.length <= 64;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Paris'),
);

const localTime = z
  .string()
  .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00-23:59)'));
const quietHours = z.strictObject({ start: localTime, end: localTime });

const locale = z.string().check(
  z.refine((value: string) => {
    try {
      return value.length <= 35 && Intl.getCanonicalLocales(value).length === 1;
    } catch {
      return false;
    }
  }, 'must be a BCP 47 language tag such as en-US'),
);

/** DynamoDB nests maps at most 32 levels; attributes sit 1 level down in the item. */
const MAX_ATTRIBUTES_DEPTH = 16;

const attributes = z.record(storedMapKey.check(z.maxLength(64)), z.unknown()).check(
  z.refine(
    (value: object) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_ATTRIBUTES_BYTES,
    `must be at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON`,
  ),
  z.refine(
    (value: object) => !inspectStoredMap(value, [], MAX_ATTRIBUTES_DEPTH).tooDeep,
    `must not nest more than ${MAX_ATTRIBUTES_DEPTH} levels`,
  ),
);

const channelSwitches = z.partialRecord(z.enum(CHANNELS), z.boolean());
const categorySwitches = z.partialRecord(z.enum([...CHANNELS, 'all']), z.boolean());

export const preferencesSchema = z.strictObject({
  channels: z.optional(channelSwitches),
  categories: z.optional(
    z
      .record(categoryKey, categorySwitches)
      .check(
        z.refine(
          (value: object) => Object.keys(value).length <= MAX_PREFERENCE_CATEGORIES,
          `must have at most ${MAX_PREFERENCE_CATEGORIES} categories`,
        ),
      ),
  ),
});

const mqttTopic = carriedBySqs(
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(200),
      z.regex(/^[^#+]+$/, 'must not contain the wildcards # or +'),
    ),
);

const fields = {
  name: z.string().check(z.minLength(1), z.maxLength(MAX_NAME_CHARS)),
  emails: z.array(emailAddress).check(z.maxLength(MAX_EMAILS)),
  phones: z.array(phoneNumber).check(z.maxLength(MAX_PHONES)),
  pushTokens: z
    .array(
      z.strictObject({
        token: pushToken,
        platform: z.optional(z.enum(['ios', 'android', 'web'])),
      }),
    )
    .check(z.maxLength(MAX_PUSH_TOKENS)),
  slack: z.union([
    z.strictObject({ channel: slackChannel }),
    z.strictObject({ userId: slackChannel }),
  ]),
  mqtt: z.strictObject({ topic: mqttTopic }),
  timezone,
  quietHours,
  locale,
  attributes,
  preferences: preferencesSchema,
};

/** PUT /v1/recipients/{id}: the whole profile (what is left out is removed). */
export const profileSchema = z.strictObject({
  name: z.optional(fields.name),
  emails: z.optional(fields.emails),
  phones: z.optional(fields.phones),
  pushTokens: z.optional(fields.pushTokens),
  slack: z.optional(fields.slack),
  mqtt: z.optional(fields.mqtt),
  timezone: z.optional(fields.timezone),
  quietHours: z.optional(fields.quietHours),
  locale: z.optional(fields.locale),
  attributes: z.optional(fields.attributes),
  preferences: z.optional(fields.preferences),
});

/** PATCH: a field given replaces that field, `null` removes it. */
export const profilePatchSchema = z.strictObject({
  name: z.optional(z.nullable(fields.name)),
  emails: z.optional(z.nullable(fields.emails)),
  phones: z.optional(z.nullable(fields.phones)),
  pushTokens: z.optional(z.nullable(fields.pushTokens)),
  slack: z.optional(z.nullable(fields.slack)),
  mqtt: z.optional(z.nullable(fields.mqtt)),
  timezone: z.optional(z.nullable(fields.timezone)),
  quietHours: z.optional(z.nullable(fields.quietHours)),
  locale: z.optional(z.nullable(fields.locale)),
  attributes: z.optional(z.nullable(fields.attributes)),
  preferences: z.optional(z.nullable(fields.preferences)),
});

/** One upsert of POST /v1/recipients/batch, and an inline recipient of a send: id + fields. */
export const profileWithIdSchema = z.extend(profileSchema, { id: recipientId });

function parseWith<S extends z.ZodMiniType>(
  schema: S,
  body: unknown,
  at: readonly PathSegment[],
  errors: FieldError[],
): z.output<S> | undefined {
  return validateAt(schema, body, at, errors)?.value;
}

/** Lone surrogates, `__proto__` keys, absurd nesting: checked once on the whole request body. */
export function inspectRequestBody(body: unknown): void {
  const unsafe = inspectBody(body);
  if (unsafe.length > 0) throw new InvalidRequestError(unsafe);
}

/** A whole profile, or every field error under `at`. */
export function parseProfile(
  body: unknown,
  at: readonly PathSegment[] = [],
  errors: FieldError[] = [],
): ProfileInput | undefined {
  return parseWith(profileSchema, body, at, errors) as ProfileInput | undefined;
}

export function parseProfileWithId(
  body: unknown,
  at: readonly PathSegment[],
  errors: FieldError[],
): (ProfileInput & { id: string }) | undefined {
  return parseWith(profileWithIdSchema, body, at, errors) as
    | (ProfileInput & { id: string })
    | undefined;
}

/** Throws InvalidRequestError naming each bad field. */
export function requireProfile(body: unknown): ProfileInput {
  inspectRequestBody(body);
  const errors: FieldError[] = [];
  const parsed = parseProfile(body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  return parsed;
}

export function requirePatch(body: unknown): ProfilePatch {
  inspectRequestBody(body);
  const errors: FieldError[] = [];
  const parsed = parseWith(profilePatchSchema, body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  return parsed as ProfilePatch;
}

/** A path id: a bad one names nothing that exists (404 is the router's; here a 400 with `id`). */
export function requireRecipientId(value: string): string {
  const errors: FieldError[] = [];
  const parsed = validateAt(recipientId, value, ['id'], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  return parsed.value;
}

/** GET /v1/recipients query. */
export const recipientQuerySchema = z.object({
  q: z
    .optional(z.string().check(z.minLength(1), z.maxLength(254)))
    .check(z.describe('prefix of an id, an email address or a phone number (+...)')),
  limit: z
    .optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)))
    .check(z.describe('1-100, default 50')),
  cursor: z
    .optional(z.string().check(z.maxLength(1_500)))
    .check(z.describe('nextCursor of the previous page')),
});

export function parseRecipientQuery(query: Record<string, string | undefined> | null): {
  q?: string;
  limit: number;
  cursor?: string;
} {
  const errors: FieldError[] = [];
  const q = query ?? {};
  const parsed = validateAt(
    recipientQuerySchema,
    {
      ...(q.q ? { q: q.q } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    },
    [],
    errors,
  );
  if (!parsed) throw new InvalidRequestError(errors);
  const { limit, ...rest } = parsed.value;
  return { ...rest, limit: limit ?? 50 };
}
