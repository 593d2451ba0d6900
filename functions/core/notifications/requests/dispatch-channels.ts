import * as z from 'zod/mini';
import {
  type FieldError,
  formatPath,
  type PathSegment,
  validateAt,
} from '../../shared/field-errors';
import type { ChannelRequest, ChannelRequests } from '../model';
import {
  emailAddress,
  emailHtml,
  emailIdentity,
  emailSubject,
  emailText,
  mqttPayloadText,
  PUSH_PAYLOAD_TOO_LARGE,
  phoneNumber,
  pushBody,
  pushPayloadBytes,
  pushTitle,
  pushToken,
  recipientList,
  slackText,
  textMessageText,
} from './fields';
import { DEFAULT_MQTT_QOS, MAX_PUSH_PAYLOAD_BYTES } from './limits';
import { mqttTopic } from './mqtt-topic';
import type { ValidationOptions } from './options';
import { allowedSlackChannel } from './slack-channels';

/*
 * The channels of the legacy dispatch shape: which block each type reads, and how each channel's
 * fields map onto the shared v1 field rules (fields.ts). Used by dispatch-request.ts.
 */

export const DISPATCH_TYPES = ['email', 'push', 'sms', 'mqtt', 'slack', '*'] as const;
export type DispatchChannel = Exclude<(typeof DISPATCH_TYPES)[number], '*'>;

export const TYPE_MESSAGE =
  'must be one of email, push, SMS, MQTT, slack or * (in any letter case)';

/**
 * Only ASCII letters fold: `toLowerCase` follows Unicode, which turns U+212A KELVIN SIGN into an
 * ASCII `k` (`slac\u212A` would be `slack`). A type name is one of the listed words, nothing else.
 */
const asciiLowerCase = (text: string): string =>
  text.replace(/[A-Z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 32));

export const dispatchType = z.pipe(
  z.pipe(z.string({ error: TYPE_MESSAGE }), z.transform(asciiLowerCase)),
  z.enum(DISPATCH_TYPES, { error: TYPE_MESSAGE }),
);

/** Each channel's block, in the order a "*" request delivers them. */
export const BLOCKS = {
  email: 'emailChannel',
  push: 'pushChannel',
  sms: 'smsChannel',
  mqtt: 'mqttChannel',
  slack: 'slackChannel',
} as const satisfies Record<DispatchChannel, string>;

export const DISPATCH_CHANNELS = Object.keys(BLOCKS) as DispatchChannel[];

export const block = z.looseObject({});
export const summary = z.string();

/** Old clients send null for fields they do not use; the old service read null as "not given". */
export function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A field's value and where the client put it, so errors point at the client's own field. */
export interface Field {
  value: unknown;
  path: PathSegment[];
}

/** Finds one field of a channel: in its block first, then flat (single-channel), then `message`. */
export type FieldReader = (name: string) => Field;

export function fieldReader(
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
export const HTML_MARKUP = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>|<!doctype\s|<!--/i;

export function looksLikeHtml(body: string): boolean {
  return HTML_MARKUP.test(body);
}

export function emailRequest(
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

export function pushRequest(
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

export function smsRequest(
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

export function mqttRequest(
  read: FieldReader,
  options: ValidationOptions,
  errors: FieldError[],
): ChannelRequest<'mqtt'> | undefined {
  const topicField = read('topic');
  const message = read('message');
  // Relative to the caller's namespace, like v1's: the old service's topics keep working as sent.
  const topic = validateAt(mqttTopic(options), topicField.value, topicField.path, errors);
  const payload = validateAt(mqttPayloadText, message.value, message.path, errors);
  if (!topic || !payload) return undefined;
  // The legacy API had no QoS: at most once, the IoT Core default, as v1 does when qos is absent.
  return {
    channel: 'mqtt',
    recipients: [topic.value],
    content: { payload: payload.value, qos: DEFAULT_MQTT_QOS },
  };
}

export function slackRequest(
  read: FieldReader,
  options: ValidationOptions,
  errors: FieldError[],
): ChannelRequest<'slack'> | undefined {
  const channelField = read('channel');
  const message = read('message');
  const channel = validateAt(
    allowedSlackChannel(options),
    channelField.value,
    channelField.path,
    errors,
  );
  const text = validateAt(slackText, message.value, message.path, errors);
  if (!channel || !text) return undefined;
  return { channel: 'slack', recipients: [channel.value], content: { text: text.value } };
}

/** Adds one channel's request to `into`, or its errors to `errors`. */
export function addChannel(
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
      const request = slackRequest(read, options, errors);
      if (request) into.slack = request;
      return;
    }
  }
}

/** The same value can be checked twice (a top-level `message` several blocks fall back to). */
