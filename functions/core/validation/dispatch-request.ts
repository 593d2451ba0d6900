import { z } from 'zod';
import type { Channel, ChannelRequest, ChannelRequests, NotificationRequest } from '../model';
import {
  type FieldError,
  formatPath,
  type PathSegment,
  unexpectedInput,
  validateAt,
} from './field-errors';
import {
  CHANNEL_NOT_ENABLED,
  emailAddress,
  emailHtml,
  emailIdentity,
  emailSubject,
  emailText,
  isPlainObject,
  mqttPayloadText,
  mqttTopic,
  PUSH_PAYLOAD_TOO_LARGE,
  phoneNumber,
  pushBody,
  pushPayloadBytes,
  pushTitle,
  pushToken,
  recipientList,
  sendAtSchema,
  slackChannel,
  slackText,
  textMessageText,
} from './fields';
import { DEFAULT_MQTT_QOS, MAX_PUSH_PAYLOAD_BYTES } from './limits';
import type { ValidationOptions, ValidationResult } from './options';

/*
 * The legacy `POST /notification/dispatch` shape of the Express service Herald replaces. Old clients
 * keep working unchanged, so the envelope is lenient the way that service was (unknown keys and
 * null fields are ignored, the type is matched in any letter case), while every value that is used
 * is held to the same rules as v1. Errors name the client's own fields (`emailChannel.recipients[2]`).
 */

const DISPATCH_TYPES = ['email', 'push', 'sms', 'mqtt', 'slack', '*'] as const;
type DispatchChannel = Exclude<(typeof DISPATCH_TYPES)[number], '*'>;

const TYPE_MESSAGE = 'must be one of email, push, SMS, MQTT, slack or * (in any letter case)';

const dispatchType = z
  .string({ error: TYPE_MESSAGE })
  .transform((type) => type.toLowerCase())
  .pipe(z.enum(DISPATCH_TYPES, { error: TYPE_MESSAGE }));

/** Each channel's block, in the order a "*" request delivers them. */
const BLOCKS = {
  email: 'emailChannel',
  push: 'pushChannel',
  sms: 'smsChannel',
  mqtt: 'mqttChannel',
  slack: 'slackChannel',
} as const satisfies Record<DispatchChannel, string>;

const DISPATCH_CHANNELS = Object.keys(BLOCKS) as DispatchChannel[];

const block = z.looseObject({});
const summary = z.string();

/** Old clients send null for fields they do not use; the old service read null as "not given". */
function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A field's value and where the client put it, so errors point at the client's own field. */
interface Field {
  value: unknown;
  path: PathSegment[];
}

/** Finds one field of a channel: in its block first, then flat (single-channel), then `message`. */
type FieldReader = (name: string) => Field;

function fieldReader(
  body: Record<string, unknown>,
  blockKey: string,
  blockValue: Record<string, unknown> | undefined,
  readsFlatFields: boolean,
): FieldReader {
  return (name) => {
    if (blockValue && given(blockValue[name])) {
      return { value: blockValue[name], path: [blockKey, name] };
    }
    // In a single-channel request the flat `message` and the top-level `message` are one field.
    if ((readsFlatFields || name === 'message') && given(body[name])) {
      return { value: body[name], path: [name] };
    }
    return { value: undefined, path: readsFlatFields ? [name] : [blockKey, name] };
  };
}

/*
 * The legacy API had one email `body` and clients put both plain text and HTML templates in it.
 * Sent as text, HTML shows its tags; sent as HTML, plain text loses its line breaks. So the content
 * decides: an element tag, a doctype or a comment makes it HTML. `<bob@example.com>` is not a tag.
 */
const HTML_MARKUP = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>|<!doctype\s|<!--/i;

function looksLikeHtml(body: string): boolean {
  return HTML_MARKUP.test(body);
}

function emailRequest(
  read: FieldReader,
  options: ValidationOptions,
  errors: FieldError[],
): ChannelRequest<'email'> | undefined {
  const recipients = read('recipients');
  const subject = read('subject');
  const body = read('body');
  const to = validateAt(
    recipientList(emailAddress, options, emailIdentity),
    recipients.value,
    recipients.path,
    errors,
  );
  const title = validateAt(emailSubject, subject.value, subject.path, errors);
  const isHtml = typeof body.value === 'string' && looksLikeHtml(body.value);
  const content = validateAt(isHtml ? emailHtml : emailText, body.value, body.path, errors);
  if (!to || !title || !content) return undefined;
  return {
    channel: 'email',
    recipients: to.value,
    content: isHtml
      ? { subject: title.value, html: content.value }
      : { subject: title.value, text: content.value },
  };
}

function pushRequest(
  read: FieldReader,
  options: ValidationOptions,
  errors: FieldError[],
): ChannelRequest<'push'> | undefined {
  const recipients = read('recipients');
  const titleField = read('title');
  const bodyField = read('body');
  const tokens = validateAt(
    recipientList(pushToken, options),
    recipients.value,
    recipients.path,
    errors,
  );
  const title = validateAt(pushTitle, titleField.value, titleField.path, errors);
  const body = validateAt(pushBody, bodyField.value, bodyField.path, errors);
  if (!title || !body) return undefined;
  if (pushPayloadBytes(title.value, body.value) > MAX_PUSH_PAYLOAD_BYTES) {
    errors.push({ path: formatPath(bodyField.path), message: PUSH_PAYLOAD_TOO_LARGE });
    return undefined;
  }
  if (!tokens) return undefined;
  return {
    channel: 'push',
    recipients: tokens.value,
    content: { title: title.value, body: body.value },
  };
}

function smsRequest(
  read: FieldReader,
  options: ValidationOptions,
  errors: FieldError[],
): ChannelRequest<'sms'> | undefined {
  const recipients = read('recipients');
  const message = read('message');
  const to = validateAt(
    recipientList(phoneNumber, options),
    recipients.value,
    recipients.path,
    errors,
  );
  const text = validateAt(textMessageText, message.value, message.path, errors);
  if (!to || !text) return undefined;
  return { channel: 'sms', recipients: to.value, content: { text: text.value } };
}

function mqttRequest(
  read: FieldReader,
  options: ValidationOptions,
  errors: FieldError[],
): ChannelRequest<'mqtt'> | undefined {
  const topicField = read('topic');
  const message = read('message');
  const topic = validateAt(
    mqttTopic(options.mqttTopicPrefix),
    topicField.value,
    topicField.path,
    errors,
  );
  const payload = validateAt(mqttPayloadText, message.value, message.path, errors);
  if (!topic || !payload) return undefined;
  // The legacy API had no QoS: at most once, the IoT Core default, as v1 does when qos is absent.
  return {
    channel: 'mqtt',
    recipients: [topic.value],
    content: { payload: payload.value, qos: DEFAULT_MQTT_QOS },
  };
}

function slackRequest(
  read: FieldReader,
  errors: FieldError[],
): ChannelRequest<'slack'> | undefined {
  const channelField = read('channel');
  const message = read('message');
  const channel = validateAt(slackChannel, channelField.value, channelField.path, errors);
  const text = validateAt(slackText, message.value, message.path, errors);
  if (!channel || !text) return undefined;
  return { channel: 'slack', recipients: [channel.value], content: { text: text.value } };
}

/** Adds one channel's request to `into`, or its errors to `errors`. */
function addChannel(
  channel: DispatchChannel,
  read: FieldReader,
  options: ValidationOptions,
  errors: FieldError[],
  into: ChannelRequests,
): void {
  switch (channel) {
    case 'email': {
      const request = emailRequest(read, options, errors);
      if (request) into.email = request;
      return;
    }
    case 'push': {
      const request = pushRequest(read, options, errors);
      if (request) into.push = request;
      return;
    }
    case 'sms': {
      const request = smsRequest(read, options, errors);
      if (request) into.sms = request;
      return;
    }
    case 'mqtt': {
      const request = mqttRequest(read, options, errors);
      if (request) into.mqtt = request;
      return;
    }
    case 'slack': {
      const request = slackRequest(read, errors);
      if (request) into.slack = request;
      return;
    }
  }
}

/** The same value can be checked twice (a top-level `message` several blocks fall back to). */
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
