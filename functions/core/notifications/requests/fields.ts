import * as z from 'zod/mini';
import { withinIdentities } from '../../shared/email-identities';
import { carriedBySqs, storedMapKey } from '../../shared/json-safety';
import {
  MAX_EMAIL_ADDRESS_CHARS,
  MAX_EMAIL_HTML_BYTES,
  MAX_EMAIL_SUBJECT_CHARS,
  MAX_EMAIL_TEXT_BYTES,
  MAX_MQTT_PAYLOAD_BYTES,
  MAX_PUSH_PAYLOAD_BYTES,
  MAX_PUSH_TOKEN_BYTES,
  MAX_SLACK_BLOCKS,
  MAX_SLACK_CHANNEL_CHARS,
  MAX_SLACK_TEXT_CHARS,
  MAX_TEXT_MESSAGE_CHARS,
  MQTT_QOS_LEVELS,
  RESERVED_PUSH_DATA_KEY_PREFIXES,
  RESERVED_PUSH_DATA_KEYS,
} from './limits';
import type { ValidationOptions } from './options';

/*
 * The field rules both API shapes share: the legacy dispatch shape (dispatch-request.ts) maps its
 * fields onto these same schemas so that an address, a topic or a text is held to one standard
 * whichever endpoint it arrived through.
 */

export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

export const CHANNEL_NOT_ENABLED = 'channel not enabled in this deployment';
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** First occurrence wins, order kept: one person must never get the same message twice. */
export function distinct(values: readonly string[], keyOf: (value: string) => string): string[] {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const value of values) {
    const key = keyOf(value);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(value);
  }
  return kept;
}

const exact = (value: string): string => value;

/**
 * Domains are case-insensitive and mailbox providers treat local parts the same way in practice,
 * so `Bob@Example.com` and `bob@example.com` are one person.
 */
export const emailIdentity = (address: string): string => address.toLowerCase();

/**
 * A non-empty array of recipients, de-duplicated; the limit counts distinct recipients because it
 * exists to bound deliveries, and a duplicate is not one.
 */
export function recipientList(
  item: z.ZodMiniType<string>,
  options: ValidationOptions,
  identity: (value: string) => string = exact,
) {
  const max = options.maxRecipientsPerChannel;
  return z.pipe(
    z.array(item).check(z.minLength(1, 'must have at least one recipient')),
    z.transform((list: string[], ctx) => {
      const unique = distinct(list, identity);
      if (unique.length > max) {
        ctx.issues.push({
          code: 'custom',
          message: `at most ${max} recipient${max === 1 ? '' : 's'}`,
          input: list,
        });
        return z.NEVER;
      }
      return unique;
    }),
  );
}

// ---- field rules shared by both API shapes ----

export const emailAddress = z
  .email({ error: 'must be an email address' })
  .check(
    z.maxLength(MAX_EMAIL_ADDRESS_CHARS, `must be at most ${MAX_EMAIL_ADDRESS_CHARS} characters`),
  );

const DISPLAY_NAME_ADDRESS = /^([^<>\r\n]*)<([^<>\r\n]+)>$/;

/** `from` and `replyTo`: a bare address or `Display Name <address>`, as SES accepts. */
export const senderAddress = z.string().check(
  z.superRefine((value: string, ctx) => {
    const match = DISPLAY_NAME_ADDRESS.exec(value);
    const address = match ? (match[2] ?? '') : value;
    if (!emailAddress.safeParse(address).success) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an email address, optionally as Name <address>',
        input: value,
      });
    }
  }),
);

/** The address part of `Name <address>` or a bare address, lower-cased. */
function addressOf(value: string): string {
  const match = DISPLAY_NAME_ADDRESS.exec(value);
  return (match ? (match[2] ?? '') : value).trim().toLowerCase();
}

/**
 * `from`: a sender address, and one at the deployment's verified sender domain when it is known.
 * SES (and the email function's IAM policy) would refuse any other, but only after retries;
 * here the caller learns it at once.
 */
export function fromAddress(options: ValidationOptions) {
  const identities = options.senderIdentities;
  if (identities && identities.length > 0) {
    return senderAddress.check(
      z.refine((value: string) => withinIdentities(value, identities), {
        message: `must be an address within one of this tenant's email identities: ${identities.join(', ')}`,
      }),
    );
  }
  const domain = options.senderDomain?.toLowerCase();
  if (!domain) return senderAddress;
  return senderAddress.check(
    z.refine((value: string) => addressOf(value).endsWith(`@${domain}`), {
      message: `must be an address at ${domain}, the deployment's sender domain`,
    }),
  );
}

export const phoneNumber = z
  .string()
  .check(z.regex(E164_PATTERN, 'must be an E.164 phone number like +14155550123'));

/* Lengths in UTF-16 code units (String#length): an emoji counts twice, as in the UCS-2 encoding
   SMS uses, so we never accept a text the provider would count as longer. */
export const textMessageText = z
  .string()
  .check(z.minLength(1), z.maxLength(MAX_TEXT_MESSAGE_CHARS));

export const emailSubject = z.string().check(
  z.minLength(1),
  z.maxLength(MAX_EMAIL_SUBJECT_CHARS),
  // A line break in a header value would end the header: refused to rule out header injection.
  z.regex(/^[^\r\n]*$/, 'must not contain line breaks'),
);

function withinBytes(max: number) {
  return z.string().check(
    z.minLength(1),
    z.refine((value: string) => utf8Bytes(value) <= max, `must be at most ${max} bytes (UTF-8)`),
  );
}

export const emailText = withinBytes(MAX_EMAIL_TEXT_BYTES);
export const emailHtml = withinBytes(MAX_EMAIL_HTML_BYTES);

// Capped in UTF-8 bytes (which also caps characters): the suppression list keys a token as
// `push#<token>`, and a DynamoDB sort key holds at most 1,024 bytes.
export const pushToken = carriedBySqs(
  z.string().check(
    z.minLength(1),
    z.refine(
      (value: string) => utf8Bytes(value) <= MAX_PUSH_TOKEN_BYTES,
      `must be at most ${MAX_PUSH_TOKEN_BYTES} bytes (UTF-8)`,
    ),
  ),
);
export const pushTitle = z.string().check(z.minLength(1));
export const pushBody = z.string().check(z.minLength(1));

function isReservedPushDataKey(key: string): boolean {
  return (
    RESERVED_PUSH_DATA_KEYS.includes(key) ||
    RESERVED_PUSH_DATA_KEY_PREFIXES.some((prefix) => key.startsWith(prefix))
  );
}

export const pushData = z.record(
  storedMapKey.check(
    z.minLength(1, 'must not be empty'),
    z.refine((key: string) => !isReservedPushDataKey(key), 'is reserved by FCM'),
  ),
  z.string(),
);

/** What FCM counts against its 4 KB limit: title, body, and every data key and value. */
export function pushPayloadBytes(title: unknown, body: unknown, data?: unknown): number {
  let bytes = 0;
  if (typeof title === 'string') bytes += utf8Bytes(title);
  if (typeof body === 'string') bytes += utf8Bytes(body);
  if (isPlainObject(data)) {
    for (const [key, value] of Object.entries(data)) {
      bytes += utf8Bytes(key) + (typeof value === 'string' ? utf8Bytes(value) : 0);
    }
  }
  return bytes;
}

export const PUSH_PAYLOAD_TOO_LARGE = `title, body and data together must be at most ${MAX_PUSH_PAYLOAD_BYTES} bytes`;

export const slackChannel = carriedBySqs(
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(MAX_SLACK_CHANNEL_CHARS),
      z.regex(/^\S+$/, 'must be a Slack channel ID or name, without spaces'),
    ),
);

export const slackText = z.string().check(z.minLength(1), z.maxLength(MAX_SLACK_TEXT_CHARS));

export const slackBlocks = z
  .array(z.record(z.string(), z.unknown(), { error: 'must be a Slack block object' }))
  .check(z.maxLength(MAX_SLACK_BLOCKS, `must have at most ${MAX_SLACK_BLOCKS} blocks`));

/** A payload already serialized to a string, checked against the IoT Core message size. */
export const mqttPayloadText = z
  .string()
  .check(
    z.refine(
      (payload: string) => utf8Bytes(payload) <= MAX_MQTT_PAYLOAD_BYTES,
      `must be at most ${MAX_MQTT_PAYLOAD_BYTES} bytes (UTF-8) once serialized`,
    ),
  );

function serialize(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // Cycles and BigInt (in-process callers only) or nesting deep enough to exhaust the stack.
    return undefined;
  }
}

export const mqttPayload = z.pipe(
  z.union([z.string(), z.record(z.string(), z.unknown())], {
    error: 'must be a string or a JSON object',
  }),
  z.transform((payload: string | Record<string, unknown>, ctx) => {
    const text = typeof payload === 'string' ? payload : serialize(payload);
    if (text === undefined) {
      ctx.issues.push({ code: 'custom', message: 'must be serializable as JSON', input: payload });
      return z.NEVER;
    }
    const checked = mqttPayloadText.safeParse(text);
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        ctx.issues.push({ code: 'custom', message: issue.message, input: payload });
      }
      return z.NEVER;
    }
    return text;
  }),
);

export const mqttQos = z.literal(MQTT_QOS_LEVELS, { error: 'must be 0 or 1' });
