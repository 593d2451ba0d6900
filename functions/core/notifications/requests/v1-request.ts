import * as z from 'zod/mini';
import type { FieldError } from '../../shared/field-errors';
import { unexpectedInput, validateAt } from '../../shared/field-errors';
import { storedMapKey } from '../../shared/json-safety';
import { CHANNELS, type Channel, type ChannelRequests, type EmailContent } from '../model';
import {
  CHANNEL_NOT_ENABLED,
  emailAddress,
  emailHtml,
  emailIdentity,
  emailSubject,
  emailText,
  fromAddress,
  isPlainObject,
  mqttPayload,
  mqttQos,
  PUSH_PAYLOAD_TOO_LARGE,
  phoneNumber,
  pushBody,
  pushData,
  pushPayloadBytes,
  pushTitle,
  pushToken,
  recipientList,
  senderAddress,
  slackBlocks,
  slackText,
  textMessageText,
} from './fields';
import {
  DEFAULT_MQTT_QOS,
  MAX_METADATA_KEY_CHARS,
  MAX_METADATA_KEYS,
  MAX_METADATA_VALUE_CHARS,
  MAX_PUSH_PAYLOAD_BYTES,
  MAX_TEMPLATE_VARIABLE_CHARS,
  MAX_TEMPLATE_VARIABLE_KEY_CHARS,
  MAX_TEMPLATE_VARIABLES,
} from './limits';
import { mqttTopic } from './mqtt-topic';
import type { ValidationOptions, ValidationResult } from './options';
import { sendAtSchema } from './send-at';
import { allowedSlackChannel } from './slack-channels';

// ---- the v1 shape ----

/** An approved WhatsApp template: Twilio Content SID and its variables. */
const whatsappTemplate = z.strictObject({
  contentSid: z
    .string()
    .check(
      z.regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID: HX followed by 32 hex digits'),
    ),
  variables: z.optional(
    z
      .record(
        z
          .string()
          .check(z.minLength(1, 'must not be empty'), z.maxLength(MAX_TEMPLATE_VARIABLE_KEY_CHARS)),
        z.string().check(z.maxLength(MAX_TEMPLATE_VARIABLE_CHARS)),
      )
      .check(
        z.refine((value: object) => Object.keys(value).length <= MAX_TEMPLATE_VARIABLES, {
          message: `must have at most ${MAX_TEMPLATE_VARIABLES} variables`,
        }),
      ),
  ),
});

/**
 * Zod skips an object's refinements once one of its fields failed; running them anyway (on an
 * object, so the check can read it) reports every error at once. The checks tolerate bad fields.
 */
const evenIfSiblingsFailed = {
  when: (payload: z.core.ParsePayload) => isPlainObject(payload.value),
};

/** The `POST /v1/notifications` body schema (also what the OpenAPI document describes). */
export function v1Schema(options: ValidationOptions) {
  const enabled = new Set<Channel>(options.enabledChannels);
  // A disabled channel has no queue; its content is not worth checking, only its presence.
  const disabled = z.never({ error: CHANNEL_NOT_ENABLED });
  const gate = <S extends z.ZodMiniType>(channel: Channel, schema: S): S | typeof disabled =>
    enabled.has(channel) ? schema : disabled;

  const textMessage = z.strictObject({
    to: recipientList(phoneNumber, options),
    text: textMessageText,
  });

  // Outside the 24-hour session window WhatsApp takes only approved templates (Twilio 63016).
  const whatsapp = z
    .strictObject({
      to: recipientList(phoneNumber, options),
      text: z.optional(textMessageText),
      template: z.optional(whatsappTemplate),
    })
    .check(
      z.refine((value) => (value.text === undefined) !== (value.template === undefined), {
        message: 'must have exactly one of text or template',
        ...evenIfSiblingsFailed,
      }),
    );

  const email = z
    .strictObject({
      to: recipientList(emailAddress, options, emailIdentity),
      subject: emailSubject,
      text: z.optional(emailText),
      html: z.optional(emailHtml),
      from: z.optional(fromAddress(options)),
      replyTo: z.optional(senderAddress),
    })
    .check(
      z.refine((value) => value.text !== undefined || value.html !== undefined, {
        message: 'must have text or html',
        ...evenIfSiblingsFailed,
      }),
    );

  const push = z
    .strictObject({
      tokens: recipientList(pushToken, options),
      title: pushTitle,
      body: pushBody,
      data: z.optional(pushData),
    })
    .check(
      z.refine(
        (value) => pushPayloadBytes(value.title, value.body, value.data) <= MAX_PUSH_PAYLOAD_BYTES,
        { message: PUSH_PAYLOAD_TOO_LARGE, ...evenIfSiblingsFailed },
      ),
    );

  const slack = z.strictObject({
    channel: allowedSlackChannel(options),
    text: slackText,
    blocks: z.optional(slackBlocks),
  });

  const mqtt = z.strictObject({
    topic: mqttTopic(options),
    payload: mqttPayload,
    qos: z._default(mqttQos, DEFAULT_MQTT_QOS),
  });

  const channels = z
    .strictObject(
      {
        email: z.optional(gate('email', email)),
        sms: z.optional(gate('sms', textMessage)),
        whatsapp: z.optional(gate('whatsapp', whatsapp)),
        push: z.optional(gate('push', push)),
        slack: z.optional(gate('slack', slack)),
        mqtt: z.optional(gate('mqtt', mqtt)),
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown channel; expected one of ${CHANNELS.join(', ')}`
            : undefined,
      },
    )
    .check(
      z.refine((value) => Object.values(value).some((channel) => channel !== undefined), {
        message: 'must name at least one channel',
      }),
    );

  const metadata = z
    .record(
      storedMapKey.check(z.minLength(1, 'must not be empty'), z.maxLength(MAX_METADATA_KEY_CHARS)),
      z.string().check(z.maxLength(MAX_METADATA_VALUE_CHARS)),
    )
    .check(
      z.refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, {
        message: `must have at most ${MAX_METADATA_KEYS} keys`,
        ...evenIfSiblingsFailed,
      }),
    );

  return z.strictObject(
    {
      channels,
      sendAt: z.optional(sendAtSchema(options)),
      priority: z._default(z.enum(['high', 'normal']), 'normal'),
      metadata: z.optional(metadata),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type' ? 'the request body must be a JSON object' : undefined,
    },
  );
}

type V1Request = z.output<ReturnType<typeof v1Schema>>;

function emailContent(email: NonNullable<V1Request['channels']['email']>): EmailContent {
  const content: EmailContent = { subject: email.subject };
  if (email.text !== undefined) content.text = email.text;
  if (email.html !== undefined) content.html = email.html;
  if (email.from !== undefined) content.from = email.from;
  if (email.replyTo !== undefined) content.replyTo = email.replyTo;
  return content;
}

function toChannelRequests(channels: V1Request['channels']): ChannelRequests {
  const requests: ChannelRequests = {};
  const { email, sms, whatsapp, push, slack, mqtt } = channels;
  if (email)
    requests.email = { channel: 'email', recipients: email.to, content: emailContent(email) };
  if (sms) requests.sms = { channel: 'sms', recipients: sms.to, content: { text: sms.text } };
  if (whatsapp) {
    const { template } = whatsapp;
    requests.whatsapp = {
      channel: 'whatsapp',
      recipients: whatsapp.to,
      content: template
        ? {
            template: {
              contentSid: template.contentSid,
              ...(template.variables && { variables: template.variables }),
            },
          }
        : { text: whatsapp.text ?? '' },
    };
  }
  if (push) {
    requests.push = {
      channel: 'push',
      recipients: push.tokens,
      content: {
        title: push.title,
        body: push.body,
        ...(push.data !== undefined && { data: push.data }),
      },
    };
  }
  if (slack) {
    requests.slack = {
      channel: 'slack',
      recipients: [slack.channel],
      content: { text: slack.text, ...(slack.blocks !== undefined && { blocks: slack.blocks }) },
    };
  }
  if (mqtt) {
    requests.mqtt = {
      channel: 'mqtt',
      recipients: [mqtt.topic],
      content: { payload: mqtt.payload, qos: mqtt.qos },
    };
  }
  return requests;
}

/** Validates a `POST /v1/notifications` body into Herald's internal request. Never throws. */
export function parseV1Request(body: unknown, options: ValidationOptions): ValidationResult {
  try {
    const errors: FieldError[] = [];
    const parsed = validateAt(v1Schema(options), body, [], errors);
    if (!parsed) return { ok: false, errors };
    const { channels, sendAt, priority, metadata } = parsed.value;
    return {
      ok: true,
      value: {
        channels: toChannelRequests(channels),
        priority,
        ...(sendAt !== undefined && { sendAt }),
        ...(metadata !== undefined && { metadata }),
      },
    };
  } catch {
    return unexpectedInput();
  }
}
