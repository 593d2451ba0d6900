import * as z from 'zod/mini';
import { CHANNELS, type Channel } from '../notifications/model';
import {
  emailAddress,
  phoneNumber,
  pushToken,
  slackChannel,
} from '../notifications/requests/fields';
import { InvalidRequestError } from '../shared/errors';
import type { FieldError } from '../shared/field-errors';
import { validateAt } from '../shared/field-errors';
import { SUPPRESSION_REASONS, type SuppressionReason } from './model';

/**
 * Longest `cursor` accepted: base64url of `s1:<channel>#<recipient>` decodes to at most 1,020
 * bytes, so a cursor never names a sort key DynamoDB refuses; a longer one was not given out.
 */
export const MAX_SUPPRESSION_CURSOR_CHARS = 1_360;

/** How each channel's recipient must look on the suppression list (as in a send request). */
const RECIPIENT: Record<Channel, z.ZodMiniType<string>> = {
  email: emailAddress,
  sms: phoneNumber,
  whatsapp: phoneNumber,
  // pushToken is capped in UTF-8 bytes (512), so `push#<token>` fits DynamoDB's 1,024-byte sort key.
  push: pushToken,
  slack: slackChannel,
  mqtt: z.string().check(z.minLength(1), z.maxLength(256)),
};

const channel = z.enum(CHANNELS);

/** The documented shapes (OpenAPI); the parsers below give per-field errors for each. */
export const suppressionBodySchema = z.strictObject({
  channel,
  recipient: z.string().check(z.minLength(1), z.describe('as in a send request for that channel')),
  reason: z.optional(z.enum(SUPPRESSION_REASONS)).check(z.describe('default manual')),
});
export const suppressionQuerySchema = z.object({
  channel: z.optional(channel),
  limit: z
    .optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)))
    .check(z.describe('1-100, default 50')),
  cursor: z
    .optional(z.string().check(z.maxLength(MAX_SUPPRESSION_CURSOR_CHARS)))
    .check(z.describe('nextCursor of the previous page')),
});

/** POST /v1/suppressions `{ channel, recipient, reason? }`: a field error for each bad field. */
export function parseSuppressionRequest(body: unknown): {
  channel: Channel;
  recipient: string;
  reason: SuppressionReason;
} {
  const errors: FieldError[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError([{ path: '', message: 'must be a JSON object' }]);
  }
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['channel', 'recipient', 'reason'].includes(key)) {
      errors.push({ path: key, message: 'unknown field' });
    }
  }
  const parsedChannel = validateAt(channel, input.channel, ['channel'], errors);
  const recipient = parsedChannel
    ? validateAt(RECIPIENT[parsedChannel.value], input.recipient, ['recipient'], errors)
    : validateAt(z.string().check(z.minLength(1)), input.recipient, ['recipient'], errors);
  const reason = validateAt(
    z._default(z.enum(SUPPRESSION_REASONS), 'manual'),
    input.reason,
    ['reason'],
    errors,
  );
  if (errors.length > 0 || !parsedChannel || !recipient || !reason) {
    throw new InvalidRequestError(errors);
  }
  return { channel: parsedChannel.value, recipient: recipient.value, reason: reason.value };
}

/** GET /v1/suppressions query: `channel?`, `cursor?`, `limit` (1-100, default 50). */
export function parseSuppressionQuery(query: Record<string, string | undefined> | null): {
  channel?: Channel;
  cursor?: string;
  limit: number;
} {
  const errors: FieldError[] = [];
  const q = query ?? {};
  const parsedChannel =
    q.channel === undefined ? undefined : validateAt(channel, q.channel, ['channel'], errors);
  const limit = validateAt(
    z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50),
    q.limit,
    ['limit'],
    errors,
  );
  const cursor = q.cursor === undefined || q.cursor === '' ? undefined : q.cursor;
  if (cursor !== undefined && cursor.length > MAX_SUPPRESSION_CURSOR_CHARS) {
    errors.push({ path: 'cursor', message: 'is not a cursor this list gave out' });
  }
  if (errors.length > 0 || !limit) throw new InvalidRequestError(errors);
  return {
    ...(parsedChannel && { channel: parsedChannel.value }),
    ...(cursor !== undefined && { cursor }),
    limit: limit.value,
  };
}

/** A channel named in a path: a known one, else the caller gets a 400 naming the segment. */
export function parseChannelParameter(value: string): Channel {
  const errors: FieldError[] = [];
  const parsed = validateAt(channel, value, ['channel'], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  return parsed.value;
}
