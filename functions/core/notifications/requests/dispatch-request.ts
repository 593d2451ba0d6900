import * as z from 'zod/mini';
import { type FieldError, unexpectedInput, validateAt } from '../../shared/field-errors';
import type { Channel, ChannelRequests, NotificationRequest } from '../model';
import {
  addChannel,
  BLOCKS,
  block,
  DISPATCH_CHANNELS,
  type DispatchChannel,
  dispatchType,
  fieldReader,
  given,
  summary,
} from './dispatch-channels';
import { CHANNEL_NOT_ENABLED, isPlainObject } from './fields';
import type { ValidationOptions, ValidationResult } from './options';
import { sendAtSchema } from './send-at';

/*
 * The legacy `POST /notification/dispatch` shape of the Express service Herald replaces. Old clients
 * keep working unchanged, so the envelope is lenient the way that service was (unknown keys and
 * null fields are ignored, the type is matched in any letter case), while every value that is used
 * is held to the same rules as v1. Errors name the client's own fields (`emailChannel.recipients[2]`).
 */

function withoutRepeats(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function parse(body: unknown, options: ValidationOptions): ValidationResult {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ path: '', message: 'the request body must be a JSON object' }] };
  }
  const errors: FieldError[] = [];
  const enabled = new Set<Channel>(options.enabledChannels);
  const channels: ChannelRequests = {};

  const type = validateAt(dispatchType, body.type, ['type'], errors);
  // Only a summary for email and push, yet old clients always sent it: it must at least be text.
  if (given(body.message)) validateAt(summary, body.message, ['message'], errors);
  const sendAt = given(body.sendAt)
    ? validateAt(sendAtSchema(options), body.sendAt, ['sendAt'], errors)
    : undefined;

  const blockOf = (channel: DispatchChannel): Record<string, unknown> | undefined => {
    const key = BLOCKS[channel];
    if (!given(body[key])) return undefined;
    return validateAt(block, body[key], [key], errors)?.value;
  };

  if (type?.value === '*') {
    // Every block present is delivered; a channel with no block is simply not part of the request.
    const present = DISPATCH_CHANNELS.filter((channel) => given(body[BLOCKS[channel]]));
    if (present.length === 0) {
      errors.push({
        path: 'type',
        message: `a "*" request needs at least one of ${Object.values(BLOCKS).join(', ')}`,
      });
    }
    for (const channel of present) {
      if (!enabled.has(channel)) {
        errors.push({ path: BLOCKS[channel], message: CHANNEL_NOT_ENABLED });
        continue;
      }
      const blockValue = blockOf(channel);
      if (!blockValue) continue;
      addChannel(
        channel,
        fieldReader(body, BLOCKS[channel], blockValue, false),
        options,
        errors,
        channels,
      );
    }
  } else if (type) {
    const channel = type.value;
    if (!enabled.has(channel)) {
      errors.push({ path: 'type', message: CHANNEL_NOT_ENABLED });
    } else {
      // Blocks of other channels are ignored: the old service delivered only the named type.
      const blockValue = blockOf(channel);
      addChannel(
        channel,
        fieldReader(body, BLOCKS[channel], blockValue, true),
        options,
        errors,
        channels,
      );
    }
  }

  if (errors.length > 0) return { ok: false, errors: withoutRepeats(errors) };
  const request: NotificationRequest = { channels, priority: 'normal' };
  if (sendAt) request.sendAt = sendAt.value;
  return { ok: true, value: request };
}

/** Validates a legacy `POST /notification/dispatch` body into Herald's internal request. Never throws. */
export function parseDispatchRequest(body: unknown, options: ValidationOptions): ValidationResult {
  try {
    return parse(body, options);
  } catch {
    return unexpectedInput();
  }
}

/**
 * The envelope for the API document, from the parts `parse` validates with. Blocks are read field
 * by field (dispatch-channels.ts), so they are documented as open objects.
 */
export function dispatchEnvelopeSchema(options: ValidationOptions) {
  const blocks = Object.fromEntries(
    DISPATCH_CHANNELS.map((channel) => [
      BLOCKS[channel],
      z.optional(block).check(z.describe(`${channel} fields: ${BLOCK_FIELDS[channel]}`)),
    ]),
  );
  return z
    .looseObject({
      type: dispatchType.check(z.describe('email, push, SMS, MQTT, slack or * (any letter case)')),
      message: z
        .optional(summary)
        .check(z.describe('summary; the text of SMS and Slack when not given')),
      sendAt: z.optional(sendAtSchema(options)),
      ...blocks,
    })
    .check(
      z.describe(
        'The replaced service\'s request. A single `type` reads its fields from its block or flat at the top level (recipients, subject, body, title, topic, channel, message); `"*"` sends every channel block present and needs at least one block: flat fields are only read for a single channel.',
      ),
    );
}

const BLOCK_FIELDS: Record<DispatchChannel, string> = {
  email: 'recipients[], subject, body (sent as HTML when it contains markup)',
  push: 'recipients[] (FCM tokens), title, body',
  sms: 'recipients[] (E.164), message',
  mqtt: 'topic, message (the payload)',
  slack: 'channel, message',
};
